/**
 * A QuestDB outage delays loading and never causes a re-fetch: with QuestDB unreachable every chunk is fetched
 * once and waits in the load stage; once QuestDB answers, the rows land and the backfill ends with one API call
 * per chunk. QuestDB is reached through a TCP forwarder that starts listening only when the test says so (the
 * shared QuestDB is never stopped).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { sleep } from '../../src/core/sleep.js';
import { finalSlotValue } from '../../src/sim/simulator.js';
import { cleanPrefix, cliEnv, migrate, readRows, REDIS_URL, runCli, startTestSimulator, uniqueDomains, uniquePrefix } from '../helpers/pipeline-fixture.js';
import { QUESTDB_HTTP_PORT } from '../helpers/test-services.js';

const HOUR = 3_600_000;

/** A free port, found by listening on port 0 and closing again. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function startForwarder(port: number, target: number): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, sockets })));
}

describe('QuestDB outage during a backfill', () => {
  const prefix = uniquePrefix();
  beforeAll(migrate);
  afterAll(() => cleanPrefix(prefix));

  it('fetches every chunk once, waits for QuestDB, then loads the exact rows', async () => {
    const domains = uniqueDomains(2);
    const sim = await startTestSimulator(domains, { qps: 50 });
    const port = await freePort();
    const to = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
    const from = to - 3 * HOUR;
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '50', QUESTDB_HTTP: `http://127.0.0.1:${port}` });
    const run = runCli(['backfill', '--domains', domains.join(','), '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()], env);

    // While QuestDB is unreachable: every chunk fetched exactly once, none loaded.
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    let fetched;
    for (let i = 0; i < 300; i++) {
      const [s] = await client.store.list(1);
      if (s && s.counts.loading === 6) {
        fetched = s;
        break;
      }
      await sleep(100);
    }
    expect(fetched?.counts.loaded).toBe(0);
    expect(sim.stats().calls).toBe(6);
    await sleep(2_000);
    expect(sim.stats().calls).toBe(6);

    const forwarder = await startForwarder(port, QUESTDB_HTTP_PORT);
    try {
      const result = await run;
      expect(result.code).toBe(0);
      expect(sim.stats().calls).toBe(6);
      const summary = (await client.store.summary(fetched!.id))!;
      expect(summary.counts.loaded).toBe(6);
      expect(summary.calls).toBe(6);
      const expected = domains.flatMap((domain) =>
        Array.from({ length: 180 }, (_, i) => ({ ts: from + i * 60_000, domain, intervalS: 60, value: finalSlotValue(domain, 60, from + i * 60_000) })),
      );
      expect(await readRows(domains)).toEqual(expected);
    } finally {
      await client.close();
      await sim.close();
      for (const s of forwarder.sockets) s.destroy();
      await new Promise<void>((resolve) => forwarder.server.close(() => resolve()));
    }
  }, 120_000);
});
