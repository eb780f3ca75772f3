/**
 * Soak (issue 8, item 8): at least 5,000 chunks through 4 `cdn-etl worker` processes against the simulator with
 * faults on, then an exact check of every row, the simulator's call accounting, and each worker's resident
 * memory sampled over the run. `npm run soak` (builds first). Uses REDIS_URL / QUESTDB_HTTP / QUESTDB_PG like
 * the CLI (defaults: the local services), a fresh Redis prefix and fresh domain names; cleans its prefix.
 *
 * Knobs (environment): SOAK_DOMAINS (default 32) x SOAK_HOURS (default 160) one-hour chunks; SOAK_QPS (default
 * 50: the simulator's quota and CDN_API_QPS); SOAK_WORKERS (default 4); SOAK_GUARD_MS (default 100: the pacing's
 * jitter budget, `worker --pace-guard-ms`). Exit 0 when every row is exact and the
 * per-second quota held, 1 otherwise. Prints a Markdown report.
 */
import { loadConfig } from '../src/core/config.js';
import { DEMO_CREDENTIALS, startSimulator } from '../src/sim/simulator.js';
import { sleep } from '../src/core/sleep.js';
import {
  backfillIdOf,
  doneChunks,
  cleanPrefix,
  duplicateKeys,
  expectedRows,
  HOUR,
  pollSummary,
  readRows,
  reliabilityDomains,
  reliabilityPrefix,
  runCliProcess,
  sampleRss,
  spawnCli,
  type CliProcess,
} from '../test/helpers/reliability-fixture.js';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}

const MB = 1024 * 1024;

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const domainsN = intEnv('SOAK_DOMAINS', 32);
  const hours = intEnv('SOAK_HOURS', 160);
  const qps = intEnv('SOAK_QPS', 50);
  const workersN = intEnv('SOAK_WORKERS', 4);
  // Four workers, the simulator, Redis and QuestDB share 2 cores here: event loops lag past the default 50 ms
  // guard, so the soak paces with a wider one (as the multi-process quota test does).
  const guardMs = intEnv('SOAK_GUARD_MS', 100);
  const domains = reliabilityDomains(domainsN);
  const prefix = reliabilityPrefix();
  const faults = { throttleRate: 0.05, serverErrorRate: 0.02, resetRate: 0.01, truncateRate: 0.01, stallRate: 0.002, stallMs: 20_000 };
  const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps, seed: 42, latencyMs: [5, 60], faults });
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
    CDN_ENDPOINT: sim.url,
    CDN_ETL_REDIS_PREFIX: prefix,
    REDIS_URL: config.redisUrl,
    QUESTDB_HTTP: config.questdbHttp,
    QUESTDB_PG: config.questdbPg,
    CDN_API_QPS: String(qps),
    LOG_LEVEL: 'warn',
  };
  const to = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
  const from = to - hours * HOUR;
  const workers: CliProcess[] = [];
  const started = Date.now();
  try {
    const detached = await runCliProcess(['backfill', '--detach', '--domains', domains.join(','), '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()], env, 300_000);
    if (detached.code !== 0) throw new Error(`backfill --detach failed: ${detached.stderr}`);
    const id = backfillIdOf(detached.stdout);
    const total = domainsN * hours;
    process.stderr.write(`soak: ${id}, ${total} chunks, ${workersN} workers, qps ${qps}, faults ${JSON.stringify(faults)}\n`);
    for (let i = 0; i < workersN; i++) workers.push(spawnCli(['worker', '--pace-guard-ms', String(guardMs), '--http-port', '0'], env));
    const rss = sampleRss(workers.map((w) => w.pid!), 2_000);
    const progress: Array<[number, number]> = [];
    const summary = await pollSummary(
      config.redisUrl,
      prefix,
      id,
      (s) => {
        progress.push([Date.now() - started, s.ended]);
        if (progress.length % 15 === 0) process.stderr.write(`soak: ${s.ended}/${s.total} ended, ${s.calls} calls, ${s.throttles} throttled, ${s.retries} retried\n`);
        return s.state !== 'running';
      },
      60 * 60_000,
    );
    const tookS = (Date.now() - started) / 1000;
    rss.stop();
    for (const w of workers) w.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));

    const loaded = await doneChunks(config.redisUrl, prefix, id);
    const expected = expectedRows(loaded);
    const rows = await readRows(domains, { http: config.questdbHttp, pg: config.questdbPg });
    let wrong = 0;
    for (let i = 0; i < Math.max(rows.length, expected.length); i++) {
      const a = rows[i];
      const b = expected[i];
      if (!a || !b || a.ts !== b.ts || a.domain !== b.domain || a.intervalS !== b.intervalS || a.value !== b.value) wrong += 1;
    }
    const dups = duplicateKeys(rows).length;
    const stats = sim.stats();
    const f = stats.faultsInjected;
    const transient = (f['internal-error'] ?? 0) + (f['service-unavailable'] ?? 0) + (f.reset ?? 0) + (f.truncate ?? 0) + (f.stall ?? 0);
    const quotaRefusals = stats.throttled - (f.throttle ?? 0);

    const out: string[] = [];
    out.push(`## Soak ${new Date(started).toISOString().slice(0, 16)}Z: ${total} chunks, ${workersN} workers, ${qps} calls/s`);
    out.push('');
    out.push('| figure | value |', '|---|---|');
    out.push(`| chunks (done / total / failed) | ${summary.done} / ${summary.total} / ${summary.counts.failed} |`);
    out.push(`| rows in QuestDB / expected / wrong or missing / duplicated | ${rows.length} / ${expected.length} / ${wrong} / ${dups} |`);
    out.push(`| API calls (simulator / bookkeeping) | ${stats.calls} / ${summary.calls} |`);
    out.push(`| faults injected | ${Object.entries(f).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
    out.push(`| throttled (storm / quota) | ${f.throttle ?? 0} / ${quotaRefusals} |`);
    out.push(`| retries (bookkeeping / transient faults) | ${summary.retries} / ${transient} |`);
    out.push(`| calls = chunks + transient + throttled | ${stats.calls} = ${total} + ${transient} + ${stats.throttled} (${stats.calls === total + transient + stats.throttled ? 'holds' : 'DOES NOT HOLD'}) |`);
    out.push(`| max calls in any sliding second / any calendar second | ${stats.maxCallsInAnySecond} / ${Math.max(...stats.perCalendarSecond.values())} (quota ${qps}) |`);
    out.push(`| time | ${tookS.toFixed(1)} s (${(total / tookS).toFixed(1)} chunks/s) |`);
    out.push(`| worker exits after SIGTERM | ${exits.join(', ')} |`);
    out.push('');
    out.push('Resident memory of each worker process (sampled every 2 s):', '');
    out.push('| worker | samples | after 10% of the run | at half | at the end | peak | second-half slope |', '|---|---|---|---|---|---|---|');
    let i = 0;
    for (const [pid, samples] of rss.samples) {
      i += 1;
      const at = (fraction: number): number => samples[Math.min(samples.length - 1, Math.floor(samples.length * fraction))]![1];
      const peak = Math.max(...samples.map(([, b]) => b));
      const half = samples.slice(Math.floor(samples.length / 2));
      const slope = regressionSlope(half.map(([t, b]) => [t / 60_000, b / MB]));
      out.push(`| ${i} (pid ${pid}) | ${samples.length} | ${(at(0.1) / MB).toFixed(0)} MB | ${(at(0.5) / MB).toFixed(0)} MB | ${(at(0.999) / MB).toFixed(0)} MB | ${(peak / MB).toFixed(0)} MB | ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MB/min |`);
    }
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
    // The verdict holds the quota as the API enforces it (per calendar second: no refusal, no second over qps).
    // The sliding-window peak is printed, not judged: on 2 saturated cores the simulator stamps arrivals when its
    // own event loop gets to them, late and bunched, so that figure measures the host as much as the pacing
    // (docs/RELIABILITY.md, finding 4).
    const calendarPeak = Math.max(0, ...stats.perCalendarSecond.values());
    const ok = summary.state === 'done' && wrong === 0 && dups === 0 && rows.length === total * 60 && quotaRefusals === 0 && calendarPeak <= qps;
    process.stderr.write(ok ? 'soak: OK\n' : 'soak: FAILED (see the table)\n');
    return ok ? 0 : 1;
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await sleep(100);
    await sim.close();
    await cleanPrefix(config.redisUrl, prefix);
  }
}

/** Least-squares slope of y over x. */
function regressionSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
