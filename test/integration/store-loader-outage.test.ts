import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/store/migrations-runner.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { TrafficLoader, type LoadBatchEvent, type LoadRow } from '../../src/store/traffic-loader.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { Forwarder, freePort } from '../helpers/ops-fixture.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';
import { QUESTDB_HTTP_PORT } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;
const TABLE = 'cdn_src_traffic';

function uniqueDomain(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}.store-test.example.com`;
}

function rowsFor(domain: string, count: number): LoadRow[] {
  const from = Date.UTC(2025, 2, 1);
  return Array.from({ length: count }, (_, i) => ({ ts: from + i * 60_000, domain, intervalS: 60, value: i + 1 }));
}

describe('TrafficLoader while QuestDB is unavailable', () => {
  let pg: QuestDbPg;
  const forwarders: Forwarder[] = [];
  const loaders: TrafficLoader[] = [];

  beforeAll(async () => {
    await runMigrations({ questdbHttp: HTTP });
    pg = new QuestDbPg({ url: PG });
  });

  afterEach(async () => {
    for (const l of loaders.splice(0)) await l.close();
    for (const f of forwarders.splice(0)) await f.stop();
  });

  afterAll(async () => {
    await pg?.close();
  });

  async function countRows(domain: string): Promise<{ n: number; total: number }> {
    await waitUntilVisible(HTTP, TABLE);
    const [row] = await pg.query<{ n: number; total: number }>(`SELECT count() n, sum(value) total FROM ${TABLE} WHERE domain = $1`, [domain]);
    return row!;
  }

  async function loaderVia(forwarder: Forwarder, events: LoadBatchEvent[], extra: { deadlineMs?: number; batchRows?: number } = {}): Promise<TrafficLoader> {
    const loader = await TrafficLoader.create({
      questdbHttp: `http://127.0.0.1:${forwarder.port}`,
      batchRows: extra.batchRows ?? 5_000,
      deadlineMs: extra.deadlineMs ?? 60_000,
      requestTimeoutMs: 5_000,
      backoff: { baseMs: 100, maxMs: 400 },
      onBatch: (e) => events.push(e),
    });
    loaders.push(loader);
    return loader;
  }

  it('QuestDB down when the first flush starts and back a little later: no row lost', async () => {
    const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    forwarders.push(forwarder);
    const events: LoadBatchEvent[] = [];
    // Created while nothing listens: the pinned protocol version means creation needs no server.
    const loader = await loaderVia(forwarder, events);
    const domain = uniqueDomain('late');
    const loading = loader.load(rowsFor(domain, 20_000));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await forwarder.start();
    const result = await loading;
    expect(result.rows).toBe(20_000);
    expect(result.batches).toBe(4);
    expect(result.retries).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.outcome === 'retrying' && e.batchIndex === 0).length).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.outcome === 'ok').map((e) => e.batchIndex)).toEqual([0, 1, 2, 3]);
    expect(await countRows(domain)).toEqual({ n: 20_000, total: (20_000 * 20_001) / 2 });
  });

  it('QuestDB down when a flush of an already working loader starts, back a little later: no row lost', async () => {
    const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    forwarders.push(forwarder);
    await forwarder.start();
    const events: LoadBatchEvent[] = [];
    const loader = await loaderVia(forwarder, events);
    const domain = uniqueDomain('flushdown');
    // A first load while QuestDB answers: the table check is done, so what fails next is the flush itself.
    expect(await loader.load(rowsFor(domain, 10))).toEqual({ rows: 10, batches: 1, retries: 0 });
    await forwarder.stop();
    events.length = 0;
    const loading = loader.load(rowsFor(domain, 15_000));
    setTimeout(() => void forwarder.start(), 1_500);
    const result = await loading;
    expect(result).toMatchObject({ rows: 15_000, batches: 3 });
    expect(result.retries).toBeGreaterThanOrEqual(1);
    expect(events.find((e) => e.outcome === 'retrying')).toMatchObject({ batchIndex: 0, attempt: 1 });
    expect(events.filter((e) => e.outcome === 'ok').map((e) => e.batchIndex)).toEqual([0, 1, 2]);
    expect(await countRows(domain)).toEqual({ n: 15_000, total: (15_000 * 15_001) / 2 });
  });

  it('QuestDB goes away in the middle of a load and comes back: no row lost', async () => {
    const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    forwarders.push(forwarder);
    await forwarder.start();
    const events: LoadBatchEvent[] = [];
    const loader = await loaderVia(forwarder, events);
    const domain = uniqueDomain('midway');
    let tripped = false;
    // Roughly two and a half batches in: cut every connection, stay away for a second, come back.
    forwarder.onData = (bytes) => {
      if (!tripped && bytes > 900_000) {
        tripped = true;
        void forwarder.stop().then(() => setTimeout(() => void forwarder.start(), 1_000));
      }
    };
    const result = await loader.load(rowsFor(domain, 60_000));
    expect(tripped).toBe(true);
    expect(result.rows).toBe(60_000);
    expect(result.batches).toBe(12);
    expect(result.retries).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.outcome === 'retrying').length).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.outcome === 'ok').map((e) => e.batchIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await countRows(domain)).toEqual({ n: 60_000, total: (60_000 * 60_001) / 2 });
  });

  it('QuestDB never comes back: LoadError naming the batch, its rows and the cause', async () => {
    const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    const events: LoadBatchEvent[] = [];
    const loader = await loaderVia(forwarder, events, { deadlineMs: 1_500, batchRows: 700 });
    const err = await loader.load(rowsFor(uniqueDomain('never'), 1_000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CDN_ETL_LOAD_FAILED', batchIndex: 0, rows: 700 });
    expect((err as Error).message).toMatch(/^batch 0 \(700 rows\) was not written to cdn_src_traffic: still failing after \d+ attempts \(deadline 1500 ms\): .*ECONNREFUSED/);
    expect(events.at(-1)).toMatchObject({ batchIndex: 0, outcome: 'failed' });
  });

  it('a cancelled load stops retrying and says so', async () => {
    const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
    const events: LoadBatchEvent[] = [];
    const loader = await loaderVia(forwarder, events);
    const controller = new AbortController();
    const loading = loader.load(rowsFor(uniqueDomain('cancel'), 10), { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    await expect(loading).rejects.toMatchObject({ code: 'CDN_ETL_LOAD_FAILED', batchIndex: 0, rows: 10, message: expect.stringContaining('cancelled') });
  });

  describe("retries: 'caller' (the pipeline: one bounded attempt per batch, the load job retries)", () => {
    async function callerLoader(port: number, events: LoadBatchEvent[]): Promise<TrafficLoader> {
      const loader = await TrafficLoader.create({ questdbHttp: `http://127.0.0.1:${port}`, batchRows: 5_000, retries: 'caller', requestTimeoutMs: 2_000, onBatch: (e) => events.push(e) });
      loaders.push(loader);
      return loader;
    }

    /** What `loading` rejected with; 'loaded' or 'hung' (a generous guard: two busy cores) otherwise. */
    function errorOrHung(loading: Promise<unknown>): Promise<unknown> {
      return Promise.race([
        loading.then(
          () => 'loaded',
          (e: unknown) => e,
        ),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 60_000)),
      ]);
    }

    it('a flush to a refused port fails after one attempt; the next load writes every row once', async () => {
      const forwarder = new Forwarder(await freePort(), QUESTDB_HTTP_PORT);
      forwarders.push(forwarder);
      await forwarder.start();
      const events: LoadBatchEvent[] = [];
      const loader = await callerLoader(forwarder.port, events);
      const domain = uniqueDomain('caller');
      expect(await loader.load(rowsFor(domain, 10))).toEqual({ rows: 10, batches: 1, retries: 0 });
      await forwarder.stop();
      events.length = 0;
      // The hang guard is generous (two busy cores): the claim is that the flush ends with an error, not how fast.
      // Refused for a new connection; EPIPE or ECONNRESET when the kept-alive one the forwarder cut is tried first.
      const failed = await errorOrHung(loader.load(rowsFor(domain, 12_000)));
      expect(failed).toMatchObject({ code: 'CDN_ETL_LOAD_FAILED', batchIndex: 0, rows: 5_000 });
      expect((failed as Error).message).toMatch(/^batch 0 \(5000 rows\) was not written to cdn_src_traffic: the flush failed \(the caller retries the load\): .*(ECONNREFUSED|EPIPE|ECONNRESET)/);
      expect(events).toEqual([expect.objectContaining({ batchIndex: 0, attempt: 1, outcome: 'failed' })]);

      await forwarder.start();
      events.length = 0;
      expect(await loader.load(rowsFor(domain, 12_000))).toEqual({ rows: 12_000, batches: 3, retries: 0 });
      expect(events.map((e) => [e.batchIndex, e.outcome])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok']]);
      expect(await countRows(domain)).toEqual({ n: 12_000, total: (12_000 * 12_001) / 2 });
    });

    it('a QuestDB that takes the connection but never answers: the flush ends after its request timeout', async () => {
      // Passes through to QuestDB until silence(); from then on no byte goes either way, on open or new connections.
      const held = new Set<net.Socket>();
      const links = new Set<{ client: net.Socket; upstream: net.Socket }>();
      let silent = false;
      const gate = net.createServer((client) => {
        held.add(client);
        client.on('close', () => held.delete(client));
        client.on('error', () => client.destroy());
        if (silent) return;
        const upstream = net.connect(QUESTDB_HTTP_PORT, '127.0.0.1');
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        links.add({ client, upstream });
      });
      const silence = (): void => {
        silent = true;
        for (const { client, upstream } of links) {
          client.unpipe(upstream);
          upstream.unpipe(client);
          upstream.destroy();
        }
      };
      const port = await freePort();
      await new Promise<void>((resolve) => gate.listen(port, '127.0.0.1', resolve));
      try {
        const events: LoadBatchEvent[] = [];
        const loader = await callerLoader(port, events);
        const domain = uniqueDomain('silent');
        expect(await loader.load(rowsFor(domain, 10))).toEqual({ rows: 10, batches: 1, retries: 0 });
        silence();
        const failed = await errorOrHung(loader.load(rowsFor(domain, 100)));
        expect(failed).toMatchObject({ code: 'CDN_ETL_LOAD_FAILED', batchIndex: 0, rows: 100 });
        expect((failed as Error).message).toMatch(/the flush failed \(the caller retries the load\): HTTP request timeout, no response from server in time$/);
      } finally {
        for (const s of held) s.destroy();
        await new Promise<void>((resolve) => gate.close(() => resolve()));
      }
    });
  });
});
