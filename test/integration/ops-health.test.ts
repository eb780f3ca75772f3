/**
 * /healthz against the real Redis and QuestDB, reached through TCP forwarders that are stopped and started again
 * (the shared servers are never touched): 200 only when both answer, 503 naming the one that does not.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startOpsServerFromFlags } from '../../src/commands/ops-flags.js';
import { startOpsServer, type RunningOpsServer } from '../../src/ops/ops-server.js';
import { sleep } from '../../src/core/sleep.js';
import { capturingLogger, Forwarder, freePort, sample, scrape } from '../helpers/ops-fixture.js';
import { uniquePrefix } from '../helpers/pipeline-fixture.js';
import { QUESTDB_HTTP_PORT, REDIS_PORT, SERVICES_ENV } from '../helpers/test-services.js';

interface HealthBody {
  status: string;
  reason?: string;
  services: { redis: { ok: boolean; reason?: string }; questdb: { ok: boolean; reason?: string } };
}

async function healthz(server: RunningOpsServer): Promise<{ status: number; body: HealthBody }> {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, body: (await res.json()) as HealthBody };
}

/** Polls until `ok` holds; the timeout is a guard against a hang (generous: two busy cores), never the claim. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(100);
  }
}

describe('/healthz', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('answers 503 naming QuestDB while it is unreachable, and 200 again once it is back', async () => {
    const questdb = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    await questdb.start();
    cleanups.push(() => questdb.stop());
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ ...SERVICES_ENV, QUESTDB_HTTP: `http://127.0.0.1:${questdb.port}`, CDN_ETL_REDIS_PREFIX: uniquePrefix() });
    const server = await startOpsServer({ config, port: 0, logger, healthTimeoutMs: 10_000 });
    cleanups.push(() => server.close());

    const up = await healthz(server);
    expect(up.status).toBe(200);
    expect(up.body.status).toBe('ok');
    expect(up.body.services.redis.ok).toBe(true);
    expect(up.body.services.questdb.ok).toBe(true);
    expect(sample(await scrape(server.url), 'cdn_etl_dependency_up{service="questdb"}')).toBe(1);

    await questdb.stop();
    const down = await healthz(server);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.services.redis.ok).toBe(true);
    expect(down.body.services.questdb.ok).toBe(false);
    expect(down.body.reason).toMatch(new RegExp(`^questdb: QuestDB at 127\\.0\\.0\\.1:${questdb.port} does not answer: connect ECONNREFUSED 127\\.0\\.0\\.1:${questdb.port}$`));
    expect(down.body.reason).toBe(`questdb: ${down.body.services.questdb.reason}`);
    expect(sample(await scrape(server.url), 'cdn_etl_dependency_up{service="questdb"}')).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"health check failed"') && l.includes('"level":40'))).toBe(true);

    await questdb.start();
    const back = await healthz(server);
    expect(back.status).toBe(200);
    expect(sample(await scrape(server.url), 'cdn_etl_dependency_up{service="questdb"}')).toBe(1);
  });

  it('answers 503 naming Redis while it is unreachable, and 200 again after the reconnect', async () => {
    const redis = new Forwarder(await freePort(), REDIS_PORT);
    await redis.start();
    cleanups.push(() => redis.stop());
    const config = loadConfig({ ...SERVICES_ENV, REDIS_URL: `redis://127.0.0.1:${redis.port}`, CDN_ETL_REDIS_PREFIX: uniquePrefix() });
    const server = await startOpsServer({ config, port: 0, healthTimeoutMs: 10_000 });
    cleanups.push(() => server.close());

    expect((await healthz(server)).status).toBe(200);
    await redis.stop();
    const down = await until(() => healthz(server), (h) => h.status === 503, 60_000);
    expect(down.status).toBe(503);
    expect(down.body.services.redis.ok).toBe(false);
    expect(down.body.services.questdb.ok).toBe(true);
    expect(down.body.reason).toMatch(new RegExp(`^redis: Redis at 127\\.0\\.0\\.1:${redis.port} does not answer: `));

    await redis.start();
    const back = await until(() => healthz(server), (h) => h.status === 200, 60_000);
    expect(back.status).toBe(200);
    expect(back.body.services.redis.ok).toBe(true);
  });

  it('answers 503 within its timeout when QuestDB accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', () => resolve()));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const config = loadConfig({ ...SERVICES_ENV, QUESTDB_HTTP: `http://127.0.0.1:${port}`, CDN_ETL_REDIS_PREFIX: uniquePrefix() });
    const server = await startOpsServer({ config, port: 0, healthTimeoutMs: 300 });
    cleanups.push(() => server.close());
    const h = await healthz(server);
    expect(h.status).toBe(503);
    expect(h.body.services.questdb.reason).toBe(`QuestDB at 127.0.0.1:${port} does not answer: no answer within 300 ms`);
  });

  it('refuses a port given and taken, naming --http-port; runs without server when only the default port is taken', async () => {
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: uniquePrefix() });
    const first = await startOpsServer({ config, port: 0 });
    cleanups.push(() => first.close());
    await expect(startOpsServer({ config, port: first.port })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--http-port' });
    const flags = { port: first.port, host: '127.0.0.1', queueActions: false };
    await expect(startOpsServerFromFlags({ ...flags, portExplicit: true }, { config })).rejects.toMatchObject({ source: '--http-port' });
    // The default port taken (a second worker on the machine): a warning, and no server.
    const { logger, lines } = capturingLogger('info');
    expect(await startOpsServerFromFlags({ ...flags, portExplicit: false }, { config, logger })).toBe(undefined);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"level":40');
    expect(lines[0]).toContain(`port ${first.port} on 127.0.0.1 is already in use`);
    expect(await startOpsServerFromFlags({ ...flags, port: undefined, portExplicit: true }, { config })).toBe(undefined);
  });
});
