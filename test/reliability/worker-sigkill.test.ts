/**
 * Issue 8, item 3: worker processes killed with SIGKILL three times while two workers share a backfill, at
 * seeded points of its progress (counted in chunks done, not in seconds, so a busy machine kills at the same
 * stages); each killed worker is replaced at once. The jobs the killed ones held are recovered by the
 * stalled-job check, the backfill ends done, the rows are exact with no duplicate, and the API saw at most the
 * calls the killed workers had in flight on top of one per chunk, never above the quota by the pacer's record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/sim/fault-injector.js';
import { maxGrantsInWindow } from '../../src/redis/redis-pacer.js';
import { pacerGrants } from '../helpers/pacer-record.js';
import { DEMO_CREDENTIALS, startSimulator } from '../../src/sim/simulator.js';
import {
  backfillIdOf,
  doneChunks,
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

const CONCURRENCY = 6;
const KILLS = 3;

describe('worker processes killed with SIGKILL, several times (issue 8, item 3)', () => {
  const prefix = reliabilityPrefix();
  const children: CliProcess[] = [];
  beforeAll(requireBuild);
  afterAll(async () => {
    for (const c of children) await killHard(c);
    await cleanPrefix(SHARED_REDIS_URL, prefix);
  });

  it('ends done with the exact rows; the killed workers’ jobs are recovered', async () => {
    const domains = reliabilityDomains(4);
    const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 10, latencyMs: [20, 120] });
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        CDN_ENDPOINT: sim.url,
        CDN_ETL_REDIS_PREFIX: prefix,
        REDIS_URL: SHARED_REDIS_URL,
        QUESTDB_HTTP: SHARED_QUESTDB_HTTP,
        QUESTDB_PG: SHARED_QUESTDB_PG,
        CDN_API_QPS: '10',
        LOG_LEVEL: 'warn',
      };
      const { from, to } = hoursRange(30, 2 * DAY);
      const total = domains.length * 30;
      const detached = await runCliProcess(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
      expect(detached.code).toBe(0);
      const id = backfillIdOf(detached.stdout);
      const start = (): CliProcess => {
        const w = spawnCli(['worker', '--concurrency', String(CONCURRENCY)], env);
        children.push(w);
        return w;
      };
      const workers = [start(), start()];
      const random = seededRandom(8);
      const killedAt: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        // Kill k at a seeded point of the k-th quarter of the run: between 15% and 35% done, then 40-60%, 65-85%.
        const at = Math.floor(total * (0.15 + 0.25 * k + 0.2 * random()));
        await pollSummary(SHARED_REDIS_URL, prefix, id, (s) => s.done >= at, 120_000);
        const victim = Math.floor(random() * workers.length);
        workers[victim]!.kill('SIGKILL');
        expect(await workers[victim]!.exited).toBe(null);
        killedAt.push((await pollSummary(SHARED_REDIS_URL, prefix, id, () => true, 5_000)).done);
        workers[victim] = start();
      }
      // The kills happened mid-run, not after the end.
      expect(killedAt[KILLS - 1]).toBeLessThan(total);

      const summary = await pollSummary(SHARED_REDIS_URL, prefix, id, (s) => s.state !== 'running', 150_000);
      expect(summary.state).toBe('done');
      expect(summary.done).toBe(total);
      expect(summary.counts.failed).toBe(0);
      for (const w of workers) w.kill('SIGTERM');
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

      const loaded = await doneChunks(SHARED_REDIS_URL, prefix, id);
      expect(loaded.length).toBe(total);
      const rows = await readRows(domains);
      expect(duplicateKeys(rows)).toEqual([]);
      expect(rows.length).toBe(total * 60);
      expect(rows).toEqual(expectedRows(loaded));
      expect(summary.rows).toBe(total * 60);
      // A killed worker may lose the calls it had in flight (at most its concurrency), never more; a throttled
      // call is requeued and made again.
      const stats = sim.stats();
      expect(stats.calls).toBeGreaterThanOrEqual(total + stats.throttled);
      expect(stats.calls).toBeLessThanOrEqual(total + KILLS * CONCURRENCY + stats.throttled);
      // The quota, on the pacer's record: every call made was granted (a killed worker may also have held grants
      // it never sent), never more than 10 in a second. The simulator's own refusals come only from arrival
      // jitter (starting node processes on two cores delays event loops): the scheduler's number, so a tolerance.
      const grants = (await pacerGrants(SHARED_REDIS_URL, prefix)).map((g) => g.atUs);
      expect(grants.length).toBeGreaterThanOrEqual(stats.calls);
      expect(grants.length).toBeLessThanOrEqual(stats.calls + KILLS * CONCURRENCY);
      expect(maxGrantsInWindow(grants, 1000)).toBeLessThanOrEqual(10);
      expect(stats.throttled).toBeLessThanOrEqual(Math.ceil(total / 4));
    } finally {
      await sim.close();
    }
  }, 220_000);
});
