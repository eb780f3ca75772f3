/**
 * Issue 15, finding 9: what a job keeps in Redis. A failed job stores its error's code and message, never a stack
 * trace (install paths); real Redis, the simulator, real workers.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { sleep } from '../../src/core/sleep.js';
import { startBackfill } from '../../src/pipeline/backfill-runner.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { FETCH_QUEUE } from '../../src/pipeline/pipeline-keys.js';
import { startPipelineWorkers } from '../../src/pipeline/pipeline-workers.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { cleanPrefix, HOUR, REDIS_URL, startTestSimulator, uniqueDomains, uniquePrefix } from '../helpers/pipeline-fixture.js';

/** Polls; the timeout only guards against a hang (generous), it is not the claim. */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe('job records in Redis (issue 15, finding 9)', () => {
  const prefix = uniquePrefix();
  afterAll(() => cleanPrefix(prefix));

  it('a failed job keeps the code and message, no stack trace', async () => {
    const [known, unknown] = uniqueDomains(2) as [string, string];
    const sim = await startTestSimulator([known]);
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    const sink = { load: async () => ({ rows: 0, batches: 0, retries: 0 }) };
    const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 10, api, sink, stages: { fetch: true, load: false } });
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(FETCH_QUEUE, { connection: redis, prefix });
    try {
      const to = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
      const { id } = await startBackfill(client, { domains: [unknown], from: to - HOUR, to, now: Date.now(), refetch: false });
      await until(async () => ((await client.store.summary(id))?.state === 'failed' ? true : undefined), 60_000);
      const [job] = await until(async () => {
        const failed = await queue.getFailed();
        return failed.length > 0 ? failed : undefined;
      }, 60_000);
      expect(job!.stacktrace).toEqual([]);
      expect(await redis.hget(`${prefix}:${FETCH_QUEUE}:${job!.id}`, 'stacktrace')).toBe('[]');
      expect(job!.failedReason.startsWith('InvalidDomain.NotFound: DescribeDomainRealTimeSrcTrafficData')).toBe(true);
      expect(job!.failedReason).not.toMatch(/\n\s+at |\/src\/|\/dist\//);
    } finally {
      await queue.close();
      redis.disconnect();
      await workers.close();
      await client.close();
      await api.close();
      await sim.close();
    }
  }, 120_000);
});
