/**
 * The bull-board dashboard at /queues over the real Redis: it lists the pipeline's queues with their jobs,
 * refuses every action in read-only mode (the default) and allows them with queueActions; optional basic auth
 * guards /queues only, and its password never reaches a log line.
 */
import { request } from 'node:http';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startOpsServer } from '../../src/ops/ops-server.js';
import { capturingLogger } from '../helpers/ops-fixture.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from '../helpers/pipeline-fixture.js';
import { SERVICES_ENV } from '../helpers/test-services.js';

interface BoardQueue {
  name: string;
  readOnlyMode: boolean;
  isPaused: boolean;
  counts: Record<string, number>;
  jobs: Array<{ id: string; name: string }>;
}

const PASSWORD = 'pw-Zq8vK3nR5t'; // distinctive, to find it if it ever leaks into a log line
const basic = (user: string, pw: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

/** A request with headers fetch would not let a test choose (Host); answers status and body. */
function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('queue dashboard at /queues', () => {
  const prefixes: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    for (const p of prefixes) await cleanPrefix(p);
  });

  async function withJobs(): Promise<{ prefix: string; fetchQueue: Queue }> {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    // No worker runs on this prefix, so the jobs stay where the test put them.
    const fetchQueue = new Queue('fetch', { connection: { url: REDIS_URL }, prefix });
    cleanups.push(() => fetchQueue.close());
    await fetchQueue.addBulk([
      { name: 'fetch-chunk', data: { n: 1 }, opts: { jobId: 'bf-test__a' } },
      { name: 'fetch-chunk', data: { n: 2 }, opts: { jobId: 'bf-test__b' } },
    ]);
    await fetchQueue.add('fetch-chunk', { n: 3 }, { jobId: 'bf-test__c', delay: 3_600_000 });
    return { prefix, fetchQueue };
  }

  async function boardQueues(url: string, headers: Record<string, string> = {}): Promise<BoardQueue[]> {
    const res = await fetch(`${url}/queues/api/queues?activeQueue=fetch&status=waiting&page=1&jobsPerPage=10`, { headers });
    expect(res.status).toBe(200);
    return ((await res.json()) as { queues: BoardQueue[] }).queues;
  }

  it('lists the fetch and load queues with their jobs, and refuses every action in read-only mode', async () => {
    const { prefix, fetchQueue } = await withJobs();
    const server = await startOpsServer({ config: loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix }), port: 0 });
    cleanups.push(() => server.close());

    const page = await fetch(`${server.url}/queues`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain(`<title>cdn-etl (${prefix})</title>`);

    const queues = await boardQueues(server.url);
    expect(queues.map((q) => q.name).sort()).toEqual(['fetch', 'load']);
    const fetchQ = queues.find((q) => q.name === 'fetch')!;
    expect(fetchQ.readOnlyMode).toBe(true);
    expect(fetchQ.counts.waiting).toBe(2);
    expect(fetchQ.counts.delayed).toBe(1);
    expect(fetchQ.jobs.map((j) => j.id).sort()).toEqual(['bf-test__a', 'bf-test__b']);

    const actions: Array<[string, string]> = [
      ['PUT', '/queues/api/queues/fetch/pause'],
      ['PUT', '/queues/api/queues/pause'],
      ['PUT', '/queues/api/queues/fetch/empty'],
      ['PUT', '/queues/api/queues/fetch/obliterate'],
      ['PUT', '/queues/api/queues/fetch/promote'],
      ['PUT', '/queues/api/queues/fetch/bf-test__a/clean'],
      ['POST', '/queues/api/queues/fetch/add'],
    ];
    for (const [method, path] of actions) {
      const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
    }
    // Nothing changed in Redis.
    expect(await fetchQueue.isPaused()).toBe(false);
    expect(await fetchQueue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 2, delayed: 1 });
  });

  it('allows actions when started with queueActions, with basic auth and a same-origin request', async () => {
    const { prefix, fetchQueue } = await withJobs();
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix, CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: PASSWORD });
    const server = await startOpsServer({ config, port: 0, queueActions: true });
    cleanups.push(() => server.close());
    const headers = { ...basic('ops', PASSWORD), origin: server.url };
    expect((await boardQueues(server.url, headers)).every((q) => !q.readOnlyMode)).toBe(true);

    const pause = await fetch(`${server.url}/queues/api/queues/fetch/pause`, { method: 'PUT', headers });
    expect(pause.status).toBe(200);
    expect(await fetchQueue.isPaused()).toBe(true);
    const clean = await fetch(`${server.url}/queues/api/queues/fetch/bf-test__a/clean`, { method: 'PUT', headers });
    expect(clean.status).toBe(204);
    expect(await fetchQueue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 1, delayed: 1 });
  });

  it('asks for basic auth on /queues only when it is configured, and never logs the password', async () => {
    const { prefix } = await withJobs();
    const { logger, lines } = capturingLogger('debug');
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix, CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: PASSWORD });
    logger.info({ config }, 'config at start');
    const server = await startOpsServer({ config, port: 0, logger });
    cleanups.push(() => server.close());

    const anonymous = await fetch(`${server.url}/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="cdn-etl queues", charset="UTF-8"');
    expect((await fetch(`${server.url}/queues/api/queues`, { headers: basic('ops', 'wrong-password') })).status).toBe(401);
    expect((await fetch(`${server.url}/queues/api/queues`, { headers: basic('opz', PASSWORD) })).status).toBe(401);
    expect((await fetch(`${server.url}/queues/api/queues`, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
    expect((await boardQueues(server.url, basic('ops', PASSWORD))).map((q) => q.name).sort()).toEqual(['fetch', 'load']);
    // Authenticated but read-only: actions are still refused.
    expect((await fetch(`${server.url}/queues/api/queues/fetch/pause`, { method: 'PUT', headers: basic('ops', PASSWORD) })).status).toBe(405);
    // Prometheus and probes need no credentials.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await server.close();
    expect(lines.some((l) => l.includes('"msg":"ops server listening"') && l.includes('"dashboardAuth":true'))).toBe(true);
    expect(lines.some((l) => l.includes('"password":"[redacted]"'))).toBe(true);
    expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it('refuses to start without basic auth when actions are allowed or the address is not loopback (issue 15, finding 5)', async () => {
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: uniquePrefix() });
    const actions = await startOpsServer({ config, port: 0, queueActions: true }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(actions).toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--queues-actions' });
    expect((actions as Error).message).toBe("--queues-actions: the dashboard's actions need basic auth: set CDN_ETL_DASHBOARD_USER and CDN_ETL_DASHBOARD_PASSWORD");
    const network = await startOpsServer({ config, port: 0, host: '0.0.0.0' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(network).toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--http-host' });
    expect((network as Error).message).toBe('--http-host: a dashboard reachable from the network (0.0.0.0) needs basic auth: set CDN_ETL_DASHBOARD_USER and CDN_ETL_DASHBOARD_PASSWORD');
  });

  it('with auth on 0.0.0.0 it starts and answers a loopback host name', async () => {
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: uniquePrefix(), CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: PASSWORD });
    const server = await startOpsServer({ config, port: 0, host: '0.0.0.0' });
    cleanups.push(() => server.close());
    expect(server.url).toBe(`http://0.0.0.0:${server.port}`);
    expect((await raw(`http://127.0.0.1:${server.port}/healthz`, 'GET', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) and a cross-site POST (issue 15, finding 5)', async () => {
    const { prefix, fetchQueue } = await withJobs();
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix, CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: PASSWORD, CDN_ETL_HTTP_HOSTS: 'etl.internal' });
    const server = await startOpsServer({ config, port: 0, queueActions: true });
    cleanups.push(() => server.close());
    const at = `127.0.0.1:${server.port}`;
    for (const path of ['/healthz', '/metrics', '/queues/api/queues']) {
      const rebound = await raw(`${server.url}${path}`, 'GET', { host: `attacker.example:${server.port}`, ...basic('ops', PASSWORD) });
      expect([path, rebound.status, rebound.body]).toEqual([path, 421, 'this server does not answer to that host name (add it to CDN_ETL_HTTP_HOSTS)\n']);
    }
    expect((await raw(`${server.url}/healthz`, 'GET', { host: `etl.internal:${server.port}` })).status).toBe(200);
    expect((await raw(`${server.url}/healthz`, 'GET', { host: `ETL.internal` })).status).toBe(200);

    const add = `${server.url}/queues/api/queues/fetch/add`;
    const job = JSON.stringify({ name: 'evil', data: {} });
    const simple = { 'content-type': 'text/plain', ...basic('ops', PASSWORD) };
    for (const headers of [{ ...simple, origin: 'http://attacker.example' }, simple, { ...simple, origin: 'null' }]) {
      const r = await raw(add, 'POST', { host: at, ...headers }, job);
      expect([r.status, r.body]).toEqual([403, 'a request that changes something needs an Origin header of this server\n']);
    }
    expect(await fetchQueue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 2, delayed: 1 });
  });

  it('guards /metrics with basic auth or a bearer token when configured, and slows failed logins (issue 15, finding 6)', async () => {
    const token = 'metrics-token-Vv7pQ2';
    const config = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: uniquePrefix(), CDN_ETL_METRICS_TOKEN: token });
    const server = await startOpsServer({ config, port: 0 });
    cleanups.push(() => server.close());
    const anonymous = await fetch(`${server.url}/metrics`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="cdn-etl metrics"']);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('cdn_etl_');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Five wrong tokens, then even the right one waits.
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer wrong-${i}-xxxxxxxx` } })).status).toBe(401);
    const locked = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect([locked.status, locked.headers.get('retry-after'), await locked.text()]).toEqual([429, '1', 'too many failed logins: try again later\n']);

    const config2 = loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: uniquePrefix(), CDN_ETL_METRICS_USER: 'prom', CDN_ETL_METRICS_PASSWORD: PASSWORD });
    const server2 = await startOpsServer({ config: config2, port: 0 });
    cleanups.push(() => server2.close());
    expect((await fetch(`${server2.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server2.url}/metrics`, { headers: basic('prom', PASSWORD) })).status).toBe(200);
  });
});
