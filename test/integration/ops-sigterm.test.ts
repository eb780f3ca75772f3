/**
 * Graceful operations of the compiled CLI (`npm run build` first), as real processes: SIGTERM during a backfill
 * keeps every API call made so far (no chunk left mid-fetch, no active job), a restarted worker finishes it with
 * the exact rows and not one call more than there are chunks; a worker's HTTP server closes with it; a second
 * signal exits at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import type { RunningSimulator } from '../../src/sim/simulator.js';
import { freePort, pollUntil } from '../helpers/ops-fixture.js';
import { backfillIdOf, cliEnv, DAY, exitOf, expectedRows, HOUR, readRows, REDIS_URL, runCli, spawnCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

describe('graceful stop of real processes', () => {
  const scope = useTestScope({ needsBuild: true });
  const children: Array<ReturnType<typeof spawnCli>> = [];
  const clients: PipelineClient[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exitOf(c);
      }
    }
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  async function setUp(domainCount: number, sim: { qps: number; latencyMs: number }): Promise<{ domains: string[]; prefix: string; sim: RunningSimulator; client: PipelineClient }> {
    const domains = uniqueDomains(domainCount);
    const prefix = scope.prefix();
    const running = await scope.simulator(domains, sim);
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    clients.push(client);
    return { domains, prefix, sim: running, client };
  }

  it('SIGTERM during a backfill keeps every call made; a restarted worker finishes it with exact rows and no call twice', async () => {
    const { domains, prefix, sim, client } = await setUp(3, { qps: 10, latencyMs: 300 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '6', LOG_LEVEL: 'info' });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const range = ['--domains', domains.join(','), '--from', new Date(to - 16 * HOUR).toISOString(), '--to', new Date(to).toISOString()];

    const backfill = spawnCli(['backfill', ...range], env);
    children.push(backfill);
    const id = await pollUntil(async () => /\b(bf-\d{8}T\d{4}Z-[a-z0-9]{6})\b/.exec(backfill.output())?.[1], (v) => v !== undefined, 20_000);
    expect(id).toBeDefined();
    const before = await pollUntil(async () => (await client.store.summary(id!))!, (s) => s.done >= 12, 60_000);
    expect(before.done).toBeGreaterThanOrEqual(12);
    backfill.kill('SIGTERM');
    expect(await exitOf(backfill)).toBe(130);
    expect(backfill.output()).toContain('SIGTERM received, finishing in-flight work');
    expect(backfill.output()).toMatch(/interrupted: \d+\/48 chunks ended; run the same command again/);

    // Drained: nothing left mid-fetch, no job active, and every call the simulator answered is kept
    // (its rows loaded, or queued for loading).
    const atStop: BackfillSummary = (await client.store.summary(id!))!;
    expect(atStop.state).toBe('running');
    expect(atStop.counts.fetching).toBe(0);
    expect(await client.fetchQueue.getJobCounts('active')).toEqual({ active: 0 });
    expect(await client.loadQueue.getJobCounts('active')).toEqual({ active: 0 });
    const callsAtStop = sim.stats().calls;
    expect(callsAtStop).toBe(atStop.counts.loaded + atStop.counts.empty + atStop.counts.loading);
    expect(atStop.counts.pending).toBeGreaterThan(0);

    // A restart finishes it.
    const worker = spawnCli(['worker', '--http-port', '0'], env);
    children.push(worker);
    const end = await pollUntil(async () => (await client.store.summary(id!))!, (s) => s.state !== 'running', 90_000);
    expect(end.state).toBe('done');
    expect(end.done).toBe(48);
    expect(sim.stats().calls).toBe(48);
    const chunks = await client.doneChunks(id!);
    expect(chunks).toHaveLength(48);
    const rows = await readRows(domains);
    expect(rows).toEqual(expectedRows(chunks));
    expect(rows).toHaveLength(48 * 60);
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    expect(worker.output()).toContain('worker stopped');

    // Running the same backfill command again finds every chunk finished: no call at all.
    const again = await runCli(['backfill', ...range], { ...env, LOG_LEVEL: 'warn' });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('48/48 chunks done (48 reused)');
    expect(sim.stats().calls).toBe(48);
  }, 180_000);

  it('a worker drains, then closes its HTTP server and exits 0 on SIGTERM', async () => {
    const { domains, prefix, sim, client } = await setUp(2, { qps: 10, latencyMs: 400 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '5', LOG_LEVEL: 'info' });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const detached = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', new Date(to - 10 * HOUR).toISOString(), '--to', new Date(to).toISOString()], env);
    const id = backfillIdOf(detached);
    const port = await freePort();
    const worker = spawnCli(['worker', '--http-port', String(port)], env);
    children.push(worker);
    const health = await pollUntil(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0), (s) => s === 200, 20_000);
    expect(health).toBe(200);
    await pollUntil(async () => (await client.store.summary(id))!.done, (n) => n >= 3, 30_000);

    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    const out = worker.output();
    expect(out).toContain('"msg":"worker stopping: finishing chunks in flight"');
    expect(out.indexOf('"msg":"worker stopped"')).toBeGreaterThan(out.indexOf('"msg":"worker stopping'));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    const s = (await client.store.summary(id))!;
    expect(s.counts.fetching).toBe(0);
    expect(sim.stats().calls).toBe(s.counts.loaded + s.counts.empty + s.counts.loading);
  }, 120_000);

  it('a second signal exits at once, without waiting for calls in flight', async () => {
    // Every answer takes 60 s: the first SIGTERM would wait for them.
    const latencyMs = 60_000;
    const { domains, prefix, sim, client } = await setUp(2, { qps: 10, latencyMs });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '10', LOG_LEVEL: 'info' });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', new Date(to - 4 * HOUR).toISOString(), '--to', new Date(to).toISOString()], env);
    const worker = spawnCli(['worker', '--http-port', '0'], env);
    children.push(worker);
    const inFlight = await pollUntil(async () => (await client.fetchQueue.getJobCounts('active')).active, (n) => (n ?? 0) > 0, 20_000);
    expect(inFlight).toBeGreaterThan(0);
    // Calls under way, not merely jobs taken: wait until the simulator holds one (its answer comes in 60 s).
    expect(await pollUntil(async () => sim.stats().calls, (n) => n > 0, 20_000)).toBeGreaterThan(0);
    worker.kill('SIGTERM');
    await pollUntil(async () => worker.output(), (o) => o.includes('worker stopping'), 10_000);
    expect(worker.exitCode).toBe(null);
    const started = Date.now();
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(130);
    // Before the answers could have arrived: the exit did not wait for them. (The bound is the answers' latency,
    // a property of the simulator, not a guess at how fast this machine is.)
    expect(Date.now() - started).toBeLessThan(latencyMs);
  }, 90_000);
});
