/**
 * Issue 8, item 1: a private Redis (AOF on, as services:up configures it) is stopped and started again in
 * the middle of a backfill. The backfill completes; every chunk is loaded exactly once (one `loaded` line per
 * chunk in the logs of all processes, bookkeeping counts exact), the rows are exact, and no chunk is fetched
 * twice to completion (API calls = chunks, plus at most the calls in flight at the restart).
 *
 * Two shapes: workers in their own processes (`backfill --detach` + `worker`), and the foreground `backfill`
 * command that runs its workers in-process and polls the bookkeeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/sleep.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import {
  backfillIdOf,
  doneChunks,
  DAY,
  expectedRows,
  hoursRange,
  killHard,
  loadedLineCounts,
  pollSummary,
  readRows,
  reliabilityDomains,
  reliabilityPrefix,
  runCliProcess,
  SHARED_QUESTDB_HTTP,
  SHARED_QUESTDB_PG,
  spawnCli,
  startPrivateServices,
  type CliProcess,
  type PrivateServices,
} from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';

const CONCURRENCY = 4;

describe('Redis restarted mid-backfill, with AOF (issue 8, item 1)', () => {
  let services: PrivateServices;
  const children: CliProcess[] = [];
  beforeAll(async () => {
    requireBuild();
    services = await startPrivateServices({ redis: true });
  });
  afterAll(async () => {
    for (const c of children) await killHard(c);
    await services?.destroy();
  });

  async function scenario(shape: 'workers' | 'foreground'): Promise<void> {
    const domains = reliabilityDomains(3);
    const prefix = reliabilityPrefix();
    const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 20, latencyMs: 20 });
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        CDN_ENDPOINT: sim.url,
        CDN_ETL_REDIS_PREFIX: prefix,
        REDIS_URL: services.redisUrl,
        QUESTDB_HTTP: SHARED_QUESTDB_HTTP,
        QUESTDB_PG: SHARED_QUESTDB_PG,
        CDN_API_QPS: '10',
        LOG_LEVEL: 'info',
      };
      const { from, to } = hoursRange(20, 2 * DAY);
      const total = domains.length * 20;
      let id: string;
      const procs: CliProcess[] = [];
      if (shape === 'workers') {
        const detached = await runCliProcess(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
        expect(detached.code).toBe(0);
        id = backfillIdOf(detached.stdout);
        for (let i = 0; i < 2; i++) procs.push(spawnCli(['worker', '--concurrency', String(CONCURRENCY)], env));
      } else {
        procs.push(spawnCli(['backfill', '--concurrency', String(CONCURRENCY), '--domains', domains.join(','), '--from', from, '--to', to], env));
        while (!/\bbf-\S+: \d+ chunks/.test(procs[0]!.err())) {
          if (procs[0]!.exitCode !== null) throw new Error(`backfill ended early:\n${procs[0]!.out()}${procs[0]!.err()}`);
          await sleep(50);
        }
        id = backfillIdOf(procs[0]!.err());
      }
      children.push(...procs);

      const before = await pollSummary(services.redisUrl, prefix, id, (s) => s.done >= 15, 60_000);
      expect(before.done).toBeLessThan(total);
      await services.down();
      await sleep(2_000);
      await services.up();

      let summary;
      if (shape === 'foreground') {
        // The rest takes about 5 s; a minute is plenty.
        const code = await Promise.race([procs[0]!.exited, sleep(60_000).then(() => 'still running after 60 s' as const)]);
        const output = procs[0]!.out() + procs[0]!.err();
        expect(code, `backfill output after the restart:\n${output.slice(-2000)}`).toBe(0);
        expect(output).toMatch(new RegExp(`${total}/${total} chunks done`));
        summary = await pollSummary(services.redisUrl, prefix, id, () => true, 10_000);
      } else {
        summary = await pollSummary(services.redisUrl, prefix, id, (s) => s.state !== 'running', 120_000);
        for (const p of procs) p.kill('SIGTERM');
        expect(await Promise.all(procs.map((p) => p.exited))).toEqual(procs.map(() => 0));
      }
      expect(summary.state).toBe('done');
      expect(summary.total).toBe(total);
      expect(summary.done).toBe(total);
      expect(summary.counts.failed).toBe(0);

      const loaded = await doneChunks(services.redisUrl, prefix, id);
      expect(loaded.length).toBe(total);
      const rows = await readRows(domains);
      expect(rows.length).toBe(total * 60);
      expect(rows).toEqual(expectedRows(loaded));
      expect(summary.rows).toBe(total * 60);
      // Each chunk reached `loaded` exactly once across all processes.
      const lines = loadedLineCounts(procs.flatMap((p) => [p.out(), p.err()]));
      expect(lines.size).toBe(total);
      expect([...lines.values()].every((n) => n === 1)).toBe(true);
      // No chunk fetched twice to completion: at most the calls in flight at the restart were repeated.
      // A throttled call is requeued and made again, so it adds one call.
      const { calls, throttled } = sim.stats();
      expect(calls).toBeGreaterThanOrEqual(total + throttled);
      expect(calls).toBeLessThanOrEqual(total + procs.length * CONCURRENCY + throttled);
      // The simulator allows twice the client's quota, so refusals can come only from arrivals bunched by the
      // scheduler of this busy machine: its number, hence a tolerance (a quarter of the chunks), not zero.
      expect(throttled).toBeLessThanOrEqual(Math.ceil(total / 4));
    } finally {
      await sim.close();
    }
  }

  it('completes with worker processes: every chunk loaded once, exact rows', () => scenario('workers'), 180_000);
  it('completes with the foreground backfill command: every chunk loaded once, exact rows', () => scenario('foreground'), 180_000);
});
