/**
 * Issue 8, item 4: for the first seconds of a backfill, half the API calls are refused with Throttling and
 * others stall longer than the client's timeout, get their connection reset or a truncated body, or a 5xx.
 * Two worker processes share the quota. The backfill completes with the exact rows; the simulator never sees
 * more than CDN_API_QPS calls in any second (no call is refused for the real quota, only by the storm); and
 * every call is accounted for: one success per chunk, one retry per transient fault, one requeue per
 * throttle (which uses no attempt).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, startSimulator } from '../../src/sim/simulator.js';
import {
  backfillIdOf,
  chunksIn,
  cleanPrefix,
  DAY,
  duplicateKeys,
  expectedRows,
  hoursRange,
  killHard,
  pollSummary,
  readRows,
  reliabilityDomains,
  reliabilityPrefix,
  runCliProcess,
  SHARED_QUESTDB_HTTP,
  SHARED_QUESTDB_PG,
  SHARED_REDIS_URL,
  spawnCli,
  type CliProcess,
} from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';

const QPS = 10;
/** The client's headers timeout is 15 s: a stall of 20 s is cut by the client, not ended by the server. */
const STALL_MS = 20_000;

describe('throttling storm, stalls, resets, truncated bodies (issue 8, item 4)', () => {
  const prefix = reliabilityPrefix();
  const children: CliProcess[] = [];
  beforeAll(requireBuild);
  afterAll(async () => {
    for (const c of children) await killHard(c);
    await cleanPrefix(SHARED_REDIS_URL, prefix);
  });

  it('completes within the quota with the exact rows, every call accounted for', async () => {
    const domains = reliabilityDomains(3);
    const stormMs = 10_000;
    const sim = await startSimulator({
      domains: domains.map((name) => ({ name })),
      qps: QPS,
      seed: 5,
      latencyMs: [10, 40],
      faults: { throttleRate: 0.5, stallRate: 0.06, stallMs: STALL_MS, resetRate: 0.05, truncateRate: 0.05, serverErrorRate: 0.05, activeFrom: Date.now(), activeUntil: Date.now() + stormMs },
    });
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        CDN_ENDPOINT: sim.url,
        CDN_ETL_REDIS_PREFIX: prefix,
        REDIS_URL: SHARED_REDIS_URL,
        QUESTDB_HTTP: SHARED_QUESTDB_HTTP,
        QUESTDB_PG: SHARED_QUESTDB_PG,
        CDN_API_QPS: String(QPS),
        LOG_LEVEL: 'warn',
      };
      const { from, to } = hoursRange(16, 2 * DAY);
      const total = domains.length * 16;
      const detached = await runCliProcess(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
      expect(detached.code).toBe(0);
      const id = backfillIdOf(detached.stdout);
      const workers = [spawnCli(['worker', '--concurrency', '8'], env), spawnCli(['worker', '--concurrency', '8'], env)];
      children.push(...workers);

      const summary = await pollSummary(SHARED_REDIS_URL, prefix, id, (s) => s.state !== 'running', 180_000);
      for (const w of workers) w.kill('SIGTERM');
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
      expect(summary.state).toBe('done');
      expect(summary.done).toBe(total);

      const loaded = await chunksIn(SHARED_REDIS_URL, prefix, id, ['loaded']);
      expect(loaded.length).toBe(total);
      const rows = await readRows(domains);
      expect(duplicateKeys(rows)).toEqual([]);
      expect(rows.length).toBe(total * 60);
      expect(rows).toEqual(expectedRows(loaded));

      const stats = sim.stats();
      const f = stats.faultsInjected;
      const transient = (f['internal-error'] ?? 0) + (f['service-unavailable'] ?? 0) + (f.reset ?? 0) + (f.truncate ?? 0) + (f.stall ?? 0);
      // The storm happened, with every kind of fault.
      expect(f.throttle ?? 0).toBeGreaterThanOrEqual(10);
      for (const kind of ['stall', 'reset', 'truncate']) expect(f[kind] ?? 0, kind).toBeGreaterThan(0);
      // Within the quota: nothing refused for the real quota, never more than QPS arrivals in a second.
      expect(stats.throttled).toBe(f.throttle);
      expect(stats.maxCallsInAnySecond).toBeLessThanOrEqual(QPS);
      // Every call accounted for.
      expect(summary.throttles).toBe(stats.throttled);
      expect(summary.retries).toBe(transient);
      expect(summary.calls).toBe(stats.calls);
      expect(stats.calls).toBe(total + transient + stats.throttled);
    } finally {
      await sim.close();
    }
  }, 200_000);
});
