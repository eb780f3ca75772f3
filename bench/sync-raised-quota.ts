/**
 * The archive-mode sync for real at a raised quota (`npm run bench:sync-raised-quota`): 2,000 domains at 100 calls/s
 * against the simulator in this process, real Redis (queues, pacing, watermarks) and QuestDB, for a simulated hour:
 * the simulator's data clock and the sync's clock are one virtual clock, moved 5 minutes before each `--once` pass,
 * so an hour of passes runs in the time its calls take. Checks that every domain's watermark is exactly the end of
 * its newest hour due (archiveEnd at the last pass), that the calls are exactly one per domain-hour, and counts the
 * rows in QuestDB against 60 per domain-hour; prints the calls, the wall time and the rate against the quota.
 * Options after `--`: --domains N (2000), --qps Q (100), --passes P (13, every 5 simulated minutes), --latency MS (20).
 * Fresh domain names and Redis prefix per run; the prefix is removed afterwards (the rows stay in cdn_src_traffic).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CdnClient } from '../src/aliyun/cdn-client.js';
import { DEMO_CREDENTIALS, startSimulator } from '../src/sim/simulator.js';
import { execSql } from '../src/store/questdb-http.js';
import { runMigrations } from '../src/store/migrations-runner.js';
import { TrafficLoader } from '../src/store/traffic-loader.js';
import { startSyncService } from '../src/sync/sync-service.js';
import { archiveEnd, archivePhaseMs } from '../src/sync/sync-plan.js';
import { WatermarkStore } from '../src/sync/watermark-store.js';
import { cleanPrefix } from './clean-prefix.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const REDIS_URL = 'redis://127.0.0.1:6379';
const QUESTDB_HTTP = 'http://127.0.0.1:9000';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('domains', 2000);
const qps = arg('qps', 100);
const passes = arg('passes', 13);
const latencyMs = arg('latency', 20);
const tag = randomBytes(4).toString('hex');
const domains = Array.from({ length: n }, (_, i) => `rq${tag}-${i}.example.com`);
const prefix = `bench-rq-${tag}`;
const t0 = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
const since = t0 - 2 * HOUR;
let clock = t0;

await runMigrations({ questdbHttp: QUESTDB_HTTP });
const sim = await startSimulator({ qps, latencyMs, now: () => clock, domains: domains.map((name) => ({ name })) });
const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
let calls = 0;
let busyMs = 0;
const started = Date.now();
try {
  for (let p = 0; p < passes; p++) {
    clock = t0 + p * 5 * MIN;
    const passStarted = Date.now();
    const sync = await startSyncService({
      redisUrl: REDIS_URL,
      prefix,
      qps,
      api,
      sink: loader,
      selection: { kind: 'domains', domains },
      since: p === 0 ? since : undefined,
      lookbackMs: 30 * MIN,
      mode: 'archive',
      everyMs: 5 * MIN,
      once: true,
      now: () => clock,
      fetchConcurrency: 64,
      pollMs: 100,
    });
    const report = await sync.oncePass!;
    await sync.close();
    const took = Date.now() - passStarted;
    calls += report.summary.calls;
    busyMs += took;
    console.log(`pass ${p + 1}/${passes} at +${(p * 5).toString().padStart(2)} min: ${report.state}, ${report.summary.calls} calls, ${report.summary.rows} rows, ${report.summary.counts.failed} failed, ${(took / 1000).toFixed(1)} s`);
  }
  await loader.close();
  const redis = new Redis(REDIS_URL);
  const wm = await new WatermarkStore(redis, prefix).get(domains);
  let wrong = 0;
  let hours = 0;
  for (const d of domains) {
    const want = Math.max(since, archiveEnd(clock, archivePhaseMs(d)));
    if (wm.get(d)?.watermark !== want) wrong++;
    hours += (want - since) / HOUR;
  }
  const rows = await execSql(QUESTDB_HTTP, `SELECT count() FROM cdn_src_traffic WHERE domain LIKE 'rq${tag}-%'`);
  const rowCount = Number((rows as { dataset: unknown[][] }).dataset[0]![0]);
  const wall = (Date.now() - started) / 1000;
  console.log(`\n${n} domains, ${qps} calls/s, ${passes} passes over ${(passes - 1) * 5} simulated minutes, simulator latency ${latencyMs} ms`);
  console.log(`  calls ${calls} for ${hours} domain-hours due: ${(calls / hours).toFixed(3)} per domain-hour; watermarks not exactly as due: ${wrong}`);
  console.log(`  rows in QuestDB ${rowCount} (expected 60 per domain-hour: ${hours * 60}); simulator answered ${sim.stats().calls} calls, ${sim.stats().throttled ?? 0} throttled`);
  console.log(`  wall ${wall.toFixed(1)} s, inside passes ${(busyMs / 1000).toFixed(1)} s; calls / (qps x time inside passes) = ${(calls / (qps * busyMs / 1000)).toFixed(3)}`);
  redis.disconnect();
  await cleanPrefix(REDIS_URL, prefix);
  process.exitCode = wrong === 0 && calls === hours ? 0 : 1;
} finally {
  await api.close();
  await sim.close();
}
