/**
 * Issue 15, finding 9 (third point): SIGTERM stops a worker process within its drain timeout even while Redis or
 * QuestDB does not answer (reached through TCP forwarders that are cut; the shared servers are never touched).
 * The hang guards are generous (two busy cores); what is asserted is the exit and its log line, never a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectStoppedWithinDrain, Forwarder, freePort, pollUntil } from '../helpers/ops-fixture.js';
import { backfillIdOf, cliEnv, DAY, exitOf, HOUR, runCli, spawnCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';
import { QUESTDB_HTTP_PORT, REDIS_PORT } from '../helpers/test-services.js';

describe('SIGTERM during an outage (issue 15, finding 9)', () => {
  const scope = useTestScope({ needsBuild: true });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.each([['Redis'], ['QuestDB']])('a worker stops on the first SIGTERM while %s does not answer', async (service) => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 10, latencyMs: 200 });
    const forwarder = new Forwarder(await freePort(), service === 'Redis' ? REDIS_PORT : QUESTDB_HTTP_PORT);
    await forwarder.start();
    cleanups.push(() => forwarder.stop());
    const via: Record<string, string> = service === 'Redis' ? { REDIS_URL: `redis://127.0.0.1:${forwarder.port}` } : { QUESTDB_HTTP: `http://127.0.0.1:${forwarder.port}` };
    const env = cliEnv(sim, prefix, { ...via, LOG_LEVEL: 'info' });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const queued = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', new Date(to - 12 * HOUR).toISOString(), '--to', new Date(to).toISOString()], env);
    expect(queued.code).toBe(0);
    backfillIdOf(queued);

    const worker = spawnCli(['worker', '--http-port', '0', '--drain-timeout', '3'], env);
    cleanups.push(async () => {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await exitOf(worker);
    });
    await pollUntil(async () => worker.output().includes('"msg":"worker started"'), (v) => v, 60_000);
    // Let it take work, then cut the service while the work is under way.
    await pollUntil(async () => sim.stats().calls, (n) => n >= 2, 60_000);
    await forwarder.stop();
    worker.kill('SIGTERM');
    const code = await Promise.race([exitOf(worker), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 90_000))]);
    expect(worker.output()).toContain('"msg":"worker stopping: finishing chunks in flight"');
    expectStoppedWithinDrain(service, code, worker.output());
  }, 180_000);
});
