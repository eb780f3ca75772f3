import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;

describe('execSql', () => {
  it('returns columns, rows and count', async () => {
    const result = await execSql(HTTP, 'SELECT x, x * 2 AS y FROM long_sequence(3)');
    expect(result).toEqual({
      columns: [
        { name: 'x', type: 'LONG' },
        { name: 'y', type: 'LONG' },
      ],
      dataset: [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
      count: 3,
    });
    expect(rowsAsObjects(result)).toEqual([
      { x: 1, y: 2 },
      { x: 2, y: 4 },
      { x: 3, y: 6 },
    ]);
  });

  it('DDL answers with no columns and no rows', async () => {
    const table = `store_test_ddl_${randomUUID().slice(0, 8)}`;
    expect(await execSql(HTTP, `CREATE TABLE ${table} (x INT)`)).toEqual({ columns: [], dataset: [], count: 0 });
    expect(await execSql(HTTP, `DROP TABLE ${table}`)).toEqual({ columns: [], dataset: [], count: 0 });
  });

  it('a refused statement is a QueryError with QuestDB message and position', async () => {
    await expect(execSql(HTTP, 'SELECT * FROM store_test_no_such_table_x')).rejects.toMatchObject({
      code: 'CDN_ETL_QUERY_FAILED',
      position: 14,
      message: expect.stringContaining('table does not exist [table=store_test_no_such_table_x]'),
    });
  });

  it('connection refused is ServiceUnavailableError naming QuestDB and the address', async () => {
    await expect(execSql('http://127.0.0.1:9', 'SELECT 1')).rejects.toMatchObject({
      code: 'CDN_ETL_SERVICE_UNAVAILABLE',
      service: 'questdb',
      message: expect.stringMatching(/^QuestDB does not answer at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/),
    });
  });

  describe('a server that accepts but never answers', () => {
    let server: net.Server;
    const sockets = new Set<net.Socket>();
    let port: number;
    beforeAll(async () => {
      server = net.createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('times out as ServiceUnavailableError', async () => {
      await expect(execSql(`http://127.0.0.1:${port}`, 'SELECT 1', { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'CDN_ETL_SERVICE_UNAVAILABLE',
        message: expect.stringContaining('no answer within 300 ms'),
      });
    });
  });
});

describe('waitUntilVisible', () => {
  it('resolves once rows inserted into a WAL table are queryable', async () => {
    const table = `store_test_wal_${randomUUID().slice(0, 8)}`;
    await execSql(HTTP, `CREATE TABLE ${table} (ts TIMESTAMP, v LONG) TIMESTAMP(ts) PARTITION BY DAY WAL`);
    try {
      await execSql(HTTP, `INSERT INTO ${table} SELECT timestamp_sequence(0, 1000000), x FROM long_sequence(1000)`);
      await waitUntilVisible(HTTP, table);
      expect((await execSql(HTTP, `SELECT count() FROM ${table}`)).dataset).toEqual([[1000]]);
    } finally {
      await execSql(HTTP, `DROP TABLE ${table}`);
    }
  });

  it('a non-WAL table is visible at once', async () => {
    const table = `store_test_nowal_${randomUUID().slice(0, 8)}`;
    await execSql(HTTP, `CREATE TABLE ${table} (x INT)`);
    try {
      await expect(waitUntilVisible(HTTP, table)).resolves.toBeUndefined();
    } finally {
      await execSql(HTTP, `DROP TABLE ${table}`);
    }
  });

  it('a missing table is a QueryError', async () => {
    await expect(waitUntilVisible(HTTP, 'store_test_missing_table_x')).rejects.toMatchObject({ code: 'CDN_ETL_QUERY_FAILED', message: expect.stringContaining('does not exist') });
  });

  it('refuses a table name that is not plain', async () => {
    await expect(waitUntilVisible(HTTP, "x' OR '1'='1")).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT' });
  });
});

describe('QuestDbPg', () => {
  let pg: QuestDbPg;
  beforeAll(() => {
    pg = new QuestDbPg({ url: PG });
  });
  afterAll(async () => {
    await pg.close();
  });

  it('binds parameters: a hostile value stays a value', async () => {
    const rows = await pg.query<{ v: string }>("SELECT $1 v FROM long_sequence(1)", ["x'; DROP TABLE cdn_src_traffic; --"]);
    expect(rows).toEqual([{ v: "x'; DROP TABLE cdn_src_traffic; --" }]);
  });

  it('returns LONG as number and TIMESTAMP as epoch ms UTC', async () => {
    const rows = await pg.query("SELECT 9007199254740991L big, cast('2026-03-04T05:06:07.089Z' as timestamp) ts FROM long_sequence(1)");
    expect(rows).toEqual([{ big: 9_007_199_254_740_991, ts: Date.UTC(2026, 2, 4, 5, 6, 7, 89) }]);
  });

  it('a refused query is a QueryError', async () => {
    await expect(pg.query('SELECT * FROM store_test_no_such_table_y')).rejects.toMatchObject({ code: 'CDN_ETL_QUERY_FAILED', message: expect.stringContaining('table does not exist') });
  });

  it('an unreachable server is ServiceUnavailableError without the password', async () => {
    const down = new QuestDbPg({ url: 'postgres://admin:quest@127.0.0.1:9/qdb', connectTimeoutMs: 1_000 });
    try {
      const err = await down.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toMatchObject({ code: 'CDN_ETL_SERVICE_UNAVAILABLE', service: 'questdb' });
      expect(err!.message).toContain('127.0.0.1:9');
      expect(err!.message).not.toContain('quest@');
    } finally {
      await down.close();
    }
  });
});
