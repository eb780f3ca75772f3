/**
 * Several real processes on one Redis prefix (the compiled CLI: run `npm run build` first): a worker killed
 * with SIGKILL mid-backfill and started again ends with the exact rows; several workers together never take
 * more than CDN_API_QPS calls in any second, by the pacer's own record on Redis' clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { sleep } from '../../src/core/sleep.js';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';
import { maxGrantsInWindow } from '../../src/redis/redis-pacer.js';
import { pacerGrants } from '../helpers/pacer-record.js';
import { backfillIdOf, cliEnv, DAY, endedChunks, exitOf, expectedRows, hoursRange, readRows, REDIS_URL, runCli, spawnCli, startSimProcess, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

/** Polls the bookkeeping until `until` holds (or fails after timeoutMs). */
async function pollSummary(prefix: string, id: string, until: (s: BackfillSummary) => boolean, timeoutMs: number): Promise<BackfillSummary> {
  const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = (await client.store.summary(id))!;
      if (until(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; last summary ${JSON.stringify(s)}`);
      await sleep(100);
    }
  } finally {
    await client.close();
  }
}

describe('backfill across worker processes', () => {
  const scope = useTestScope({ needsBuild: true });
  const children: Array<ReturnType<typeof spawnCli>> = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exitOf(c);
      }
    }
  });

  it('ends with the exact rows when a worker is killed with SIGKILL mid-backfill and another is started', async () => {
    const domains = uniqueDomains(3);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 10, latencyMs: 30 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '8', LOG_LEVEL: 'info' });
    const { from, to } = hoursRange(10, 2 * DAY);
    const detached = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
    expect(detached.code).toBe(0);
    const id = backfillIdOf(detached);

    const first = spawnCli(['worker'], env);
    children.push(first);
    const atKill = await pollSummary(prefix, id, (s) => s.done >= 6, 30_000);
    first.kill('SIGKILL');
    expect(await exitOf(first)).toBe(null);
    expect(atKill.done).toBeLessThan(30);

    const second = spawnCli(['worker'], env);
    children.push(second);
    const end = await pollSummary(prefix, id, (s) => s.state !== 'running', 90_000);
    expect(end.state).toBe('done');
    expect(end.done).toBe(30);
    const chunks = await endedChunks(prefix, id);
    expect(await readRows(domains)).toEqual(expectedRows(chunks));
    // A killed worker may lose the calls it had in flight, never more than its concurrency.
    expect(sim.stats().calls).toBeGreaterThanOrEqual(30);
    expect(sim.stats().calls).toBeLessThanOrEqual(30 + 16);

    second.kill('SIGTERM');
    expect(await exitOf(second)).toBe(0);
    expect(second.output()).toContain('worker stopped');
  }, 150_000);

  it('three worker processes share one pacing: never more than CDN_API_QPS grants in a second, every call accounted for', async () => {
    const domains = uniqueDomains(4);
    const prefix = scope.prefix();
    const sim = scope.closeAfterTest(await startSimProcess(domains, { qps: 10 }));
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '10' });
    const { from, to } = hoursRange(20, 3 * DAY);
    // The workers wait for work before it is queued, so all three compete for the chunks from the start.
    const workers: Array<ReturnType<typeof spawnCli>> = [];
    for (let i = 0; i < 3; i++) {
      const w = spawnCli(['worker', '--concurrency', '8'], { ...env, LOG_LEVEL: 'info' });
      children.push(w);
      workers.push(w);
    }
    for (const w of workers) while (!w.output().includes('worker started')) await sleep(20);
    const detached = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
    const id = backfillIdOf(detached);
    const end = await pollSummary(prefix, id, (s) => s.state !== 'running', 60_000);
    expect(end.state).toBe('done');
    expect(end.done).toBe(80);
    const chunks = await endedChunks(prefix, id);
    expect(await readRows(domains)).toEqual(expectedRows(chunks));

    // Every call accounted for: one success per chunk, and any throttle requeued without using an attempt.
    const stats = await sim.stats();
    expect(end.retries).toBe(0);
    expect(end.throttles).toBe(stats.throttled);
    expect(end.calls).toBe(stats.calls);
    expect(stats.calls).toBe(80 + stats.throttled);
    // The quota, judged on the pacer's record (exact on any machine): all three processes drew from one pacing.
    const grants = await pacerGrants(REDIS_URL, prefix);
    expect(grants.length).toBe(stats.calls);
    expect(maxGrantsInWindow(grants.map((g) => g.atUs), 1000)).toBeLessThanOrEqual(10);
    // The simulator's own refusals come only from arrival jitter on this machine (a process descheduled between
    // its grant and its send): the scheduler's number, so a tolerance of a quarter of the calls, not zero.
    expect(stats.throttled).toBeLessThanOrEqual(20);
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map(exitOf))).toEqual([0, 0, 0]);
  }, 120_000);
});
