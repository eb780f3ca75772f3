/**
 * Issue 8, item 2: a private QuestDB is stopped for a minute in the middle of a backfill (the foreground
 * `backfill` command, workers in-process) and started again on the same data directory. Fetching goes on
 * while it is away (rows wait in the load queue), loading resumes when it is back, the command exits 0, every
 * row is there exactly once, and the API saw exactly one call per chunk: an outage of the store never costs
 * a second call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/sleep.js';
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
  SHARED_REDIS_URL,
  spawnCli,
  startPrivateServices,
  type CliProcess,
  type PrivateServices,
} from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';

const OUTAGE_MS = 60_000;

describe('QuestDB stopped for a minute mid-backfill (issue 8, item 2)', () => {
  let services: PrivateServices;
  const prefix = reliabilityPrefix();
  const children: CliProcess[] = [];
  beforeAll(async () => {
    requireBuild();
    services = await startPrivateServices({ questdb: true });
  });
  afterAll(async () => {
    for (const c of children) await killHard(c);
    await services?.destroy();
    await cleanPrefix(SHARED_REDIS_URL, prefix);
  });

  it('completes once QuestDB is back, with every row and exactly one API call per chunk', async () => {
    const domains = reliabilityDomains(3);
    const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 10, latencyMs: 20 });
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        CDN_ENDPOINT: sim.url,
        CDN_ETL_REDIS_PREFIX: prefix,
        REDIS_URL: SHARED_REDIS_URL,
        QUESTDB_HTTP: services.questdbHttp,
        QUESTDB_PG: services.questdbPg,
        CDN_API_QPS: '10',
        LOG_LEVEL: 'warn',
      };
      // 180 chunks (18 s at 10 calls/s): enough that stopping QuestDB, slow on a busy machine, still lands
      // while chunks remain to fetch.
      const { from, to } = hoursRange(60, 2 * DAY);
      const total = domains.length * 60;
      const backfill = spawnCli(['backfill', '--domains', domains.join(','), '--from', from, '--to', to], env);
      children.push(backfill);
      while (!/\bbf-\S+: \d+ chunks/.test(backfill.err())) {
        if (backfill.exitCode !== null) throw new Error(`backfill ended early:\n${backfill.out()}${backfill.err()}`);
        await sleep(50);
      }
      const id = backfillIdOf(backfill.err());

      const before = await pollSummary(SHARED_REDIS_URL, prefix, id, (s) => s.done >= 10, 60_000);
      expect(before.done).toBeLessThan(total);
      const stoppedAt = Date.now();
      await services.down();
      // While QuestDB is away every chunk is still fetched once; none can be loaded.
      const fetched = await pollSummary(SHARED_REDIS_URL, prefix, id, (s) => s.calls - s.throttles >= total, 45_000);
      expect(fetched.counts.loading).toBeGreaterThan(0);
      const doneWhileDown = fetched.done;
      await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
      const during = await pollSummary(SHARED_REDIS_URL, prefix, id, () => true, 5_000);
      // At most the group commit in flight at the stop made it; nothing loaded during the outage.
      expect(during.done).toBe(doneWhileDown);
      expect(during.state).toBe('running');
      const why = (): string => JSON.stringify({ calls: during.calls, retries: during.retries, throttles: during.throttles, counts: during.counts, simErrors: sim.stats().errorsByCode });
      // One call per chunk, plus one per throttle: a call refused by the API's quota (arrival jitter on a busy
      // machine can cause a few) is requeued and made again, and that is not a re-fetch.
      expect(sim.stats().calls, why()).toBe(total + sim.stats().throttled);
      await services.up();
      const outageMs = Date.now() - stoppedAt;
      expect(outageMs).toBeGreaterThanOrEqual(OUTAGE_MS);

      const code = await Promise.race([backfill.exited, sleep(90_000).then(() => 'still running 90 s after QuestDB came back' as const)]);
      expect(code, backfill.out() + backfill.err().slice(-2000)).toBe(0);
      expect(backfill.out()).toContain(`${total}/${total} chunks done`);
      const summary = await pollSummary(SHARED_REDIS_URL, prefix, id, () => true, 5_000);
      expect(summary.state).toBe('done');
      expect(summary.retries).toBe(0);

      const loaded = await doneChunks(SHARED_REDIS_URL, prefix, id);
      expect(loaded.length).toBe(total);
      const rows = await readRows(domains, { http: services.questdbHttp, pg: services.questdbPg });
      expect(duplicateKeys(rows)).toEqual([]);
      expect(rows.length).toBe(total * 60);
      expect(rows).toEqual(expectedRows(loaded));
      // Not one extra call: the outage delayed loading, it did not trigger re-fetching.
      expect(sim.stats().calls).toBe(total + sim.stats().throttled);
      expect(summary.throttles).toBe(sim.stats().throttled);
      expect(summary.calls).toBe(sim.stats().calls);
    } finally {
      await sim.close();
    }
  }, 240_000);
});
