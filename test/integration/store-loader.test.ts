import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/store/migrations-runner.js';
import { execSql } from '../../src/store/questdb-http.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;
const TABLE = 'cdn_src_traffic';

/** Domains no other test uses: the table is shared by every test file. */
function uniqueDomain(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}.store-test.example.com`;
}

function minuteRows(domain: string, count: number, from = Date.UTC(2025, 5, 1)): LoadRow[] {
  return Array.from({ length: count }, (_, i) => ({ ts: from + i * 60_000, domain, intervalS: 60, bits: i * 1_000 + 7 }));
}

describe('TrafficLoader against the real QuestDB', () => {
  let loader: TrafficLoader;
  let pg: QuestDbPg;

  beforeAll(async () => {
    await runMigrations({ questdbHttp: HTTP });
    loader = await TrafficLoader.create({ questdbHttp: HTTP, batchRows: 3_000 });
    pg = new QuestDbPg({ url: PG });
  });

  afterAll(async () => {
    await loader?.close();
    await pg?.close();
  });

  async function countRows(domain: string): Promise<number> {
    await waitUntilVisible(HTTP, TABLE);
    const [row] = await pg.query<{ n: number }>(`SELECT count() n FROM ${TABLE} WHERE domain = $1`, [domain]);
    return row!.n;
  }

  it('loading the same 10,000 rows twice leaves exactly 10,000 rows', async () => {
    const a = uniqueDomain('twice-a');
    const b = uniqueDomain('twice-b');
    // Two domains over the same instants, spanning several day partitions.
    const rows = [...minuteRows(a, 5_000), ...minuteRows(b, 5_000)];
    const first = await loader.load(rows);
    const second = await loader.load(rows);
    expect(first).toEqual({ rows: 10_000, batches: 4, retries: 0 });
    expect(second).toEqual({ rows: 10_000, batches: 4, retries: 0 });
    expect(await countRows(a)).toBe(5_000);
    expect(await countRows(b)).toBe(5_000);
    const [sums] = await pg.query<{ total: number; n: number }>(`SELECT sum(bits) total, count() n FROM ${TABLE} WHERE domain = $1 OR domain = $2`, [a, b]);
    // sum over i of (i*1000 + 7), for i in 0..4999, twice (two domains)
    expect(sums).toEqual({ total: 2 * (1_000 * (4_999 * 5_000) / 2 + 7 * 5_000), n: 10_000 });
  });

  it('a changed value for an existing (ts, domain, interval_s) replaces the old one', async () => {
    const domain = uniqueDomain('upsert');
    const ts = Date.UTC(2025, 6, 4, 12, 5);
    await loader.load([{ ts, domain, intervalS: 300, bits: 100 }], { fetchedAt: Date.UTC(2025, 6, 4, 12, 20) });
    // The same instant at another interval is a different key and must survive.
    await loader.load([{ ts, domain, intervalS: 60, bits: 11 }], { fetchedAt: Date.UTC(2025, 6, 4, 12, 20) });
    await loader.load([{ ts, domain, intervalS: 300, bits: 250 }], { fetchedAt: Date.UTC(2025, 6, 4, 13, 0) });
    await waitUntilVisible(HTTP, TABLE);
    const rows = await pg.query(`SELECT ts, interval_s, bits, fetched_at FROM ${TABLE} WHERE domain = $1 ORDER BY interval_s`, [domain]);
    expect(rows).toEqual([
      { ts, interval_s: 60, bits: 11, fetched_at: Date.UTC(2025, 6, 4, 12, 20) },
      { ts, interval_s: 300, bits: 250, fetched_at: Date.UTC(2025, 6, 4, 13, 0) },
    ]);
  });

  it('rows read back exactly as written: timestamps to the millisecond, values to the unit', async () => {
    const domain = uniqueDomain('exact');
    const base = Date.UTC(2024, 1, 29, 23, 59);
    const values = [0, 1, 2 ** 53, 2 ** 53 - 1, 123_456_789_012_345, 9_007_199_254_740_000, 0.1, 1234.5678, 1e-7, 4_503_599_627_370_495.5];
    const rows: LoadRow[] = values.map((bits, i) => ({ ts: base + i * 60_000 + i * 37 + 1, domain, intervalS: 60, bits, fetchedAt: base + 3_600_000 + i * 7 + 3 }));
    const result = await loader.load(rows);
    expect(result).toEqual({ rows: values.length, batches: 1, retries: 0 });
    await waitUntilVisible(HTTP, TABLE);
    const back = await pg.query(`SELECT ts, domain, interval_s, bits, fetched_at FROM ${TABLE} WHERE domain = $1 ORDER BY ts`, [domain]);
    expect(back).toEqual(rows.map((r) => ({ ts: r.ts, domain, interval_s: 60, bits: r.bits, fetched_at: r.fetchedAt })));
  });

  it('uses the load time for fetched_at when the rows carry none', async () => {
    const domain = uniqueDomain('fetched');
    const before = Date.now();
    await loader.load([{ ts: Date.UTC(2025, 0, 1), domain, intervalS: 3600, bits: 5 }]);
    const after = Date.now();
    await waitUntilVisible(HTTP, TABLE);
    const [row] = await pg.query<{ fetched_at: number }>(`SELECT fetched_at FROM ${TABLE} WHERE domain = $1`, [domain]);
    expect(row!.fetched_at).toBeGreaterThanOrEqual(before);
    expect(row!.fetched_at).toBeLessThanOrEqual(after);
  });

  it('concurrent load() calls are serialised and all rows arrive', async () => {
    const domains = [uniqueDomain('conc-a'), uniqueDomain('conc-b'), uniqueDomain('conc-c')];
    const results = await Promise.all(domains.map((d) => loader.load(minuteRows(d, 4_000))));
    expect(results).toEqual(domains.map(() => ({ rows: 4_000, batches: 2, retries: 0 })));
    for (const d of domains) expect(await countRows(d)).toBe(4_000);
  });

  it('refuses a malformed row before sending anything', async () => {
    const domain = uniqueDomain('invalid');
    const rows = minuteRows(domain, 5_000);
    rows[4_321] = { ...rows[4_321]!, bits: Number.NaN };
    await expect(loader.load(rows)).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', message: expect.stringContaining('row 4321: bits') });
    expect(await countRows(domain)).toBe(0);
  });

  it('an empty load sends nothing and succeeds', async () => {
    expect(await loader.load([])).toEqual({ rows: 0, batches: 0, retries: 0 });
  });

  it('refuses to write into a missing table (ILP would create it without DEDUP)', async () => {
    const table = `store_test_missing_${randomUUID().slice(0, 8)}`;
    const missing = await TrafficLoader.create({ questdbHttp: HTTP, table, deadlineMs: 5_000 });
    try {
      await expect(missing.load(minuteRows(uniqueDomain('missing'), 10))).rejects.toMatchObject({
        code: 'CDN_ETL_LOAD_FAILED',
        batchIndex: 0,
        rows: 10,
        message: expect.stringContaining('run cdn-etl migrate first'),
      });
    } finally {
      await missing.close();
    }
    const tables = await execSql(HTTP, `SELECT table_name FROM tables() WHERE table_name = '${table}'`);
    expect(tables.count).toBe(0);
  });

  it('refuses a table without DEDUP', async () => {
    const table = `store_test_nodedup_${randomUUID().slice(0, 8)}`;
    await execSql(HTTP, `CREATE TABLE ${table} (ts TIMESTAMP, domain SYMBOL, interval_s INT, bits DOUBLE, fetched_at TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL`);
    const noDedup = await TrafficLoader.create({ questdbHttp: HTTP, table });
    try {
      await expect(noDedup.load(minuteRows(uniqueDomain('nodedup'), 10))).rejects.toMatchObject({
        code: 'CDN_ETL_LOAD_FAILED',
        message: expect.stringContaining('DEDUP'),
      });
    } finally {
      await noDedup.close();
      await execSql(HTTP, `DROP TABLE ${table}`);
    }
  });

  it('refuses bad options before any I/O', async () => {
    await expect(TrafficLoader.create({ questdbHttp: HTTP, table: 'x; DROP TABLE y' })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: 'table' });
    await expect(TrafficLoader.create({ questdbHttp: HTTP, batchRows: 0 })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: 'batchRows' });
    await expect(TrafficLoader.create({ questdbHttp: 'ftp://127.0.0.1:9000' })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: 'questdbHttp' });
  });
});
