/**
 * Issue 13: Redis is disposable, QuestDB is the ledger. A private Redis is emptied (FLUSHALL) in the middle of a
 * backfill whose process was killed; the same command run again spends no call on a chunk QuestDB already holds
 * (its ledger says so) and finishes what was missing, with exact rows.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/sleep.js';
import { planBackfill } from '../../src/plan/plan-backfill.js';
import { DEMO_CREDENTIALS, startSimulator } from '../../src/sim/simulator.js';
import { ChunkLedger, LEDGER_TABLE } from '../../src/store/chunk-ledger.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import {
  backfillIdOf,
  DAY,
  doneChunks,
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
  spawnCli,
  startPrivateServices,
  type CliProcess,
  type PrivateServices,
} from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';

describe('Redis emptied mid-backfill (issue 13)', () => {
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

  it('the same command again reuses every chunk QuestDB holds, with no call, and loads the rest exactly', async () => {
    const domains = reliabilityDomains(3);
    const prefix = reliabilityPrefix();
    const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 20 });
    const redis = new Redis(services.redisUrl);
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
        LOG_LEVEL: 'warn',
      };
      const { from, to } = hoursRange(12, 2 * DAY);
      const argv = ['backfill', '--domains', domains.join(','), '--from', from, '--to', to];
      const total = domains.length * 12;
      const first = spawnCli(argv, env);
      children.push(first);
      while (!/\bbf-\S+: \d+ chunks/.test(first.err())) {
        if (first.exitCode !== null) throw new Error(`backfill ended early:\n${first.out()}${first.err()}`);
        await sleep(50);
      }
      const id = backfillIdOf(first.err());
      const before = await pollSummary(services.redisUrl, prefix, id, (s) => s.done >= 10, 60_000);
      expect(before.done).toBeLessThan(total);
      await killHard(first);
      // Everything in Redis is gone: queues, bookkeeping, pacer.
      await redis.flushall();
      expect(await redis.dbsize()).toBe(0);

      // What QuestDB holds, by its own ledger, once visible.
      await waitUntilVisible(SHARED_QUESTDB_HTTP, LEDGER_TABLE, { timeoutMs: 120_000 });
      const planned = planBackfill({ domains, from: Date.parse(from), to: Date.parse(to), now: Date.now() }).chunks;
      expect(planned.length).toBe(total);
      const archived = (await new ChunkLedger({ questdbHttp: SHARED_QUESTDB_HTTP }).knownFinal(planned)).size;
      expect(archived).toBeGreaterThanOrEqual(10);
      const callsBefore = sim.stats().calls - sim.stats().throttled;

      const again = await runCliProcess(argv, env, 120_000);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const secondId = backfillIdOf(again.stderr);
      const summary = await pollSummary(services.redisUrl, prefix, secondId, () => true, 10_000);
      expect([summary.state, summary.done, summary.reused]).toEqual(['done', total, archived]);
      // A call only for the chunks QuestDB did not hold.
      expect(sim.stats().calls - sim.stats().throttled - callsBefore).toBe(total - archived);
      const loaded = await doneChunks(services.redisUrl, prefix, secondId);
      expect(loaded.length).toBe(total);
      expect(await readRows(domains)).toEqual(expectedRows(loaded));
    } finally {
      redis.disconnect();
      await sim.close();
    }
  }, 240_000);
});
