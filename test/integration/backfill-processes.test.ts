/**
 * Several real processes on one Redis prefix (the compiled CLI: run `npm run build` first): a worker killed
 * with SIGKILL mid-backfill and started again ends with the exact rows; several workers together never make
 * the simulator see more than CDN_API_QPS calls in any second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { sleep } from '../../src/core/sleep.js';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';
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

  it('never lets the simulator see more than CDN_API_QPS calls in a second with three worker processes', async () => {
    const domains = uniqueDomains(4);
    const prefix = scope.prefix();
    // The simulator runs in a process of its own: its arrival clock is the measurement.
    const sim = scope.closeAfterTest(await startSimProcess(domains, { qps: 10 }));
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '10' });
    const { from, to } = hoursRange(20, 3 * DAY);
    const detached = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], env);
    const id = backfillIdOf(detached);
    // The simulator shares this process: keep it idle while the workers call, so arrival times are true.
    const workers: Array<ReturnType<typeof spawnCli>> = [];
    for (let i = 0; i < 3; i++) {
      // The guard is the jitter budget between the pacer's go and the call's arrival. This test machine (2 cores,
      // another test file running beside this one) deschedules a process for 30-150 ms at times (seen in CI runs):
      // 200 ms keeps the claim strict here, at 10 * 1000 / 1200 = 8.3 calls per second.
      const w = spawnCli(['worker', '--concurrency', '8', '--pace-guard-ms', '200'], { ...env, LOG_LEVEL: 'info' });
      children.push(w);
      workers.push(w);
      while (!w.output().includes('worker started')) await sleep(20);
    }
    const end = await pollSummary(prefix, id, (s) => s.state !== 'running', 60_000);
    expect(end.done).toBe(80);

    const stats = await sim.stats();
    expect(stats.calls).toBe(80);
    expect(stats.throttled).toBe(0);
    expect(stats.maxCallsInAnySecond).toBeLessThanOrEqual(10);
    const perSecond = [...stats.perCalendarSecond.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(10);
    // Sustained: the full seconds between the first and the last carry 7.5 calls or more on average (the
    // pacing aims at 10 * 1000 / 1200 = 8.3 with this guard; the default 50 ms guard aims at 9.5).
    const middle = perSecond.slice(1, -1);
    expect(middle.reduce((a, b) => a + b, 0) / middle.length).toBeGreaterThanOrEqual(7.5);
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map(exitOf))).toEqual([0, 0, 0]);
  }, 120_000);
});
