/**
 * Issue 15, finding 9: what a job keeps in Redis. A failed job stores its error's code and message, never a stack
 * trace (install paths); every fetch job carries the fingerprint of the endpoint and account it was planned for,
 * and a worker of another configuration refuses it. Real Redis, the simulator, real workers.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { startBackfill } from '../../src/pipeline/backfill-runner.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { FETCH_QUEUE } from '../../src/pipeline/pipeline-keys.js';
import { startPipelineWorkers } from '../../src/pipeline/pipeline-workers.js';
import { jobFingerprint } from '../../src/core/job-fingerprint.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { chunkIdOf, chunkState, cleanPrefix, HOUR, REDIS_URL, startTestSimulator, uniqueDomains, uniquePrefix, until } from '../helpers/pipeline-fixture.js';

describe('job records in Redis (issue 15, finding 9)', () => {
  const prefix = uniquePrefix();
  afterAll(() => cleanPrefix(prefix));

  it('a failed job keeps the code and message, no stack trace', async () => {
    const [domain] = uniqueDomains(1) as [string];
    // Every answer is wrong (a negative Value): the chunk fails at its own reach after its content attempts.
    const sim = await startTestSimulator([domain], { hostile: { modes: ['negative-value'], rate: 1 } });
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    const sink = { load: async () => ({ rows: 0, batches: 0, retries: 0 }) };
    const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 10, api, sink, stages: { fetch: true, load: false } });
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(FETCH_QUEUE, { connection: redis, prefix });
    try {
      const to = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
      const { id } = await startBackfill(client, { domains: [domain], from: to - HOUR, to, now: Date.now(), refetch: false });
      await until(async () => ((await client.store.summary(id))?.state === 'failed' ? true : undefined), 60_000);
      const [job] = await until(async () => {
        const failed = await queue.getFailed();
        return failed.length > 0 ? failed : undefined;
      }, 60_000);
      expect(job!.stacktrace).toEqual([]);
      expect(await redis.hget(`${prefix}:${FETCH_QUEUE}:${job!.id}`, 'stacktrace')).toBe('[]');
      expect(job!.failedReason).toMatch(/^ResponseInvalid\.[A-Z_]+: /);
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

  /** One backfill of one chunk planned with `planned` (given the simulator's url), run by a fetch worker of this account on the simulator. */
  async function runPlannedFor(planned: (simUrl: string) => string, check: (ctx: { id: string; chunkId: string; domain: string; client: PipelineClient; sim: Awaited<ReturnType<typeof startTestSimulator>> }) => Promise<void>): Promise<void> {
    const prefix2 = uniquePrefix();
    const [domain] = uniqueDomains(1) as [string];
    const sim = await startTestSimulator([domain]);
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix: prefix2, fingerprint: planned(sim.url) });
    const sink = { load: async () => ({ rows: 0, batches: 0, retries: 0 }) };
    const fingerprint = jobFingerprint({ endpoint: sim.url, accessKeyId: DEMO_CREDENTIALS.accessKeyId });
    const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix: prefix2, fingerprint, qps: 10, api, sink, stages: { fetch: true, load: false } });
    try {
      const to = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
      const { id } = await startBackfill(client, { domains: [domain], from: to - HOUR, to, now: Date.now(), refetch: false });
      await check({ id, chunkId: chunkIdOf(domain, to - HOUR, to), domain, client, sim });
    } finally {
      await workers.close();
      await client.close();
      await api.close();
      await sim.close();
      await cleanPrefix(prefix2);
    }
  }

  it.each([
    ['another endpoint', () => 'https://cdn.elsewhere.example', DEMO_CREDENTIALS.accessKeyId, 'it was planned for another CDN endpoint (CDN_ENDPOINT)'],
    ['another account', (url: string) => url, 'LTAI5tSomeoneElse', 'it was planned for another account (ALIBABA_CLOUD_ACCESS_KEY_ID)'],
  ])('a job planned for %s is refused, never fetched (issue 15, finding 9)', async (_name, endpoint, accessKeyId, reason) => {
    await runPlannedFor(
      (url) => jobFingerprint({ endpoint: endpoint(url), accessKeyId }),
      async ({ id, chunkId, domain, client, sim }) => {
        await until(async () => ((await client.store.summary(id))?.state === 'failed' ? true : undefined), 60_000);
        const failures = await client.store.failures(id);
        expect(failures.map((f) => [f.code, f.message])).toEqual([['Job.ForeignConfiguration', `Job.ForeignConfiguration: this worker does not fetch chunk ${chunkId}: ${reason}`]]);
        expect(sim.stats().callsByDomain[domain] ?? 0).toBe(0);
        const [job] = await client.fetchQueue.getFailed();
        expect(job!.data.fingerprint).toBe(jobFingerprint({ endpoint: endpoint(sim.url), accessKeyId }));
        expect(JSON.stringify(job!.data)).not.toContain(DEMO_CREDENTIALS.accessKeyId);
      },
    );
  }, 120_000);

  it('a job planned for the same endpoint (without credentials: backfill --detach) is fetched', async () => {
    await runPlannedFor(
      (url) => jobFingerprint({ endpoint: url }),
      async ({ id, chunkId, domain, client, sim }) => {
        await until(async () => ((await chunkState(client, id, chunkId)) === 'loading' ? true : undefined), 60_000);
        expect(sim.stats().callsByDomain[domain]).toBeGreaterThan(0);
      },
    );
  }, 120_000);
});
