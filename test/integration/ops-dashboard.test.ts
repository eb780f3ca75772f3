/**
 * The bull-board dashboard at /queues over the real Redis: it lists the pipeline's queues with their jobs,
 * refuses every action in read-only mode (the default) and allows them with queueActions; optional basic auth
 * guards /queues only, and its password never reaches a log line.
 */
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

  it('allows actions when started with queueActions', async () => {
    const { prefix, fetchQueue } = await withJobs();
    const server = await startOpsServer({ config: loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix }), port: 0, queueActions: true });
    cleanups.push(() => server.close());
    expect((await boardQueues(server.url)).every((q) => !q.readOnlyMode)).toBe(true);

    const pause = await fetch(`${server.url}/queues/api/queues/fetch/pause`, { method: 'PUT' });
    expect(pause.status).toBe(200);
    expect(await fetchQueue.isPaused()).toBe(true);
    const clean = await fetch(`${server.url}/queues/api/queues/fetch/bf-test__a/clean`, { method: 'PUT' });
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
    const basic = (user: string, pw: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

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

  it('warns when the dashboard is reachable from the network without auth', async () => {
    const prefix = uniquePrefix();
    const { logger, lines } = capturingLogger('info');
    const server = await startOpsServer({ config: loadConfig({ ...SERVICES_ENV, CDN_ETL_REDIS_PREFIX: prefix }), port: 0, host: '0.0.0.0', logger });
    cleanups.push(() => server.close());
    expect(server.url).toBe(`http://0.0.0.0:${server.port}`);
    const warnings = lines.filter((l) => l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('without authentication');
  });
});
