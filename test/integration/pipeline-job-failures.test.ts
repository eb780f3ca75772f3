/**
 * Regression: a job that BullMQ fails by itself (here: stalled more often than allowed, as when its worker keeps
 * dying) used to leave its chunk `fetching` forever, so its backfill never ended. The workers now record such a
 * failure on the chunk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { startBackfill } from '../../src/pipeline/backfill-runner.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { startPipelineWorkers } from '../../src/pipeline/pipeline-workers.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { chunkIdOf, chunkState, cleanPrefix, REDIS_URL, startTestSimulator, uniqueDomains, uniquePrefix, until } from '../helpers/pipeline-fixture.js';

const HOUR = 3_600_000;

describe('jobs failed by BullMQ itself', () => {
  const prefix = uniquePrefix();
  afterAll(() => cleanPrefix(prefix));

  it('a chunk whose job stalled too often ends failed with Job.Stalled, and its backfill ends', async () => {
    const [domain] = uniqueDomains(1) as [string];
    // Every answer stalls: the first worker is stuck in the call when it dies.
    const sim = await startTestSimulator([domain], { faults: { stallRate: 1, stallMs: 60_000 } });
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS, headersTimeoutMs: 60_000 });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    const sink = { load: async () => ({ rows: 0, batches: 0, retries: 0 }) };
    const fast = { lockDurationMs: 1_000, stalledIntervalMs: 300 };
    try {
      const to = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
      const { id, chunks } = await startBackfill(client, { domains: [domain], from: to - HOUR, to, now: Date.now(), refetch: false });
      expect(chunks).toBe(1);
      const chunkId = chunkIdOf(domain, to - HOUR, to);

      const first = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 10, api, sink, ...fast, stages: { fetch: true, load: false } });
      await until(async () => ((await chunkState(client, id, chunkId)) === 'fetching' ? true : undefined), 60_000);
      // The worker dies with the job in hand: no lock renewal from now on.
      await first.fetchWorker!.close(true);

      const second = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 10, api, sink, ...fast, maxStalledCount: 0, stages: { fetch: true, load: false } });
      try {
        const state = await until(async () => {
          const s = await chunkState(client, id, chunkId);
          return s === 'failed' ? s : undefined;
        }, 20_000);
        expect(state).toBe('failed');
        const failures = await client.store.failures(id);
        expect(failures.map((f) => [f.chunk.id, f.code])).toEqual([[chunkId, 'Job.Stalled']]);
        expect((await client.store.summary(id))!.state).toBe('failed');
      } finally {
        await second.close();
      }
      // Ending the stalled answer lets the dead worker's processor return, so its close() can finish.
      await sim.close();
      await first.close();
      // What that late processor did cannot reopen the chunk: it stays failed.
      expect(await chunkState(client, id, chunkId)).toBe('failed');
    } finally {
      await client.close();
      await api.close();
      await sim.close();
    }
  }, 60_000);
});
