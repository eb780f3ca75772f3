/**
 * Sync under a backfill (`npm run bench:sync-under-backfill`, issue 17): a sync pass is never made to wait behind
 * a backfill. Times `sync --once`-equivalent passes (startSyncService with `once`, its own workers) for a few
 * domains, first on an empty queue, then on a prefix where a backfill of D domains (default 10,000) x 30 days is
 * queued and served by the same workers, at the account's 10 calls/s against the simulator in this process. The
 * pass's chunks have priority 1, the backfill's 2-3: the pass takes the quota's next calls, and waits only for the
 * backfill calls already under way. Prints each pass's duration and calls, the medians and their ratio; asserts
 * nothing. Uses the shared Redis and QuestDB under a private prefix, removed afterwards.
 * Options after `--`: --domains D (backfill), --sync-domains K (default 3), --runs R (default 3), --qps Q (default 10).
 */
import { randomBytes } from 'node:crypto';
import { CdnClient } from '../src/aliyun/cdn-client.js';
import { startBackfill } from '../src/pipeline/backfill-runner.js';
import { PipelineClient } from '../src/pipeline/pipeline-client.js';
import { DEMO_CREDENTIALS, startSimulator } from '../src/sim/simulator.js';
import { ChunkLedger } from '../src/store/chunk-ledger.js';
import { runMigrations } from '../src/store/migrations-runner.js';
import { TrafficLoader } from '../src/store/traffic-loader.js';
import { startSyncService } from '../src/sync/sync-service.js';
import { cleanPrefix } from './clean-prefix.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUESTDB_HTTP = 'http://127.0.0.1:9000';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const backfillDomains = arg('domains', 10_000);
  const syncDomains = arg('sync-domains', 3);
  const runs = arg('runs', 3);
  const qps = arg('qps', 10);
  const tag = randomBytes(3).toString('hex');
  const bulk = Array.from({ length: backfillDomains }, (_, i) => `bench-bf-${tag}-${i}.example.com`);
  const passDomains = (phase: string, run: number): string[] => Array.from({ length: syncDomains }, (_, i) => `bench-sync-${tag}-${phase}${run}-${i}.example.com`);
  const all = [...bulk, ...['alone', 'under'].flatMap((p) => Array.from({ length: runs }, (_, r) => passDomains(p, r)).flat())];
  await runMigrations({ questdbHttp: QUESTDB_HTTP });
  const sim = await startSimulator({ domains: all.map((name) => ({ name })), qps });
  const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
  const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
  const ledger = new ChunkLedger({ questdbHttp: QUESTDB_HTTP });
  const prefixes = { alone: `bench-sub-${tag}-alone`, under: `bench-sub-${tag}-under` };
  const since = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;

  const pass = async (prefix: string, domains: string[]): Promise<{ ms: number; calls: number; state: string }> => {
    const started = performance.now();
    const sync = await startSyncService({ redisUrl: REDIS_URL, prefix, qps, api, sink: loader, ledger, selection: { kind: 'domains', domains }, since, lookbackMs: 30 * 60_000, everyMs: 60_000, once: true });
    try {
      const report = await sync.oncePass!;
      return { ms: performance.now() - started, calls: report.summary.calls, state: report.state };
    } finally {
      await sync.close();
    }
  };

  try {
    console.log(`sync under a backfill: passes of ${syncDomains} domain(s) from ${new Date(since).toISOString()} at --qps ${qps}, ${runs} run(s) each`);
    const alone: number[] = [];
    for (let r = 0; r < runs; r++) {
      const p = await pass(prefixes.alone, passDomains('alone', r));
      alone.push(p.ms);
      console.log(`  alone       run ${r + 1}: ${(p.ms / 1000).toFixed(2)} s, ${p.calls} calls (${p.state})`);
    }
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix: prefixes.under, ledger });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const queuedAt = performance.now();
    const bf = await startBackfill(client, { domains: bulk, from: to - 30 * DAY, to, now: Date.now(), refetch: false });
    console.log(`  backfill ${bf.id}: ${bf.chunks} chunks of ${backfillDomains} domains x 30 days queued in ${((performance.now() - queuedAt) / 1000).toFixed(1)} s`);
    const under: number[] = [];
    for (let r = 0; r < runs; r++) {
      const p = await pass(prefixes.under, passDomains('under', r));
      under.push(p.ms);
      console.log(`  under it    run ${r + 1}: ${(p.ms / 1000).toFixed(2)} s, ${p.calls} calls (${p.state})`);
    }
    const s = (await client.store.summary(bf.id))!;
    await client.close();
    console.log(`  the backfill meanwhile: ${s.calls} calls, ${s.ended}/${s.total} chunks ended (still ${s.state})`);
    const a = median(alone);
    const u = median(under);
    console.log(`\n  pass duration, median   alone ${(a / 1000).toFixed(2)} s, under the backfill ${(u / 1000).toFixed(2)} s: ratio ${(u / a).toFixed(2)}  (target: under 30 s)`);
  } finally {
    await api.close();
    await loader.close();
    await ledger.close();
    await sim.close();
    for (const p of Object.values(prefixes)) await cleanPrefix(REDIS_URL, p);
  }
}

await main();
