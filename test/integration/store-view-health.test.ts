/**
 * A TRUNCATE of a materialized view's base table leaves the view `invalid` for good; healInvalidViews (run by
 * `cdn-etl migrate` and by the test suite's global setup) finds it and refreshes it in full, so it reads the
 * base table's rows again. The test owns its base table and view: the shared cdn_src_traffic is never truncated.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { healInvalidViews } from '../../src/store/view-health.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const uid = randomUUID().slice(0, 8);
const BASE = `heal_base_${uid}`;
const VIEW = `heal_view_${uid}`;

async function viewState(): Promise<{ status: string; reason: unknown }> {
  const [row] = rowsAsObjects(await execSql(HTTP, `SELECT view_status, invalidation_reason FROM materialized_views() WHERE view_name = '${VIEW}'`));
  return { status: String(row?.view_status), reason: row?.invalidation_reason };
}

async function hourlyTotals(): Promise<unknown[][]> {
  return (await execSql(HTTP, `SELECT ts, domain, total FROM ${VIEW} ORDER BY ts, domain`)).dataset;
}

async function insertHour(domain: string, hour: string, values: readonly number[]): Promise<void> {
  const tuples = values.map((v, i) => `('${hour}:${String(i).padStart(2, '0')}:00.000000Z', '${domain}', ${v})`).join(', ');
  await execSql(HTTP, `INSERT INTO ${BASE} (ts, domain, value) VALUES ${tuples}`);
}

describe('materialized views invalidated by QuestDB heal themselves', () => {
  afterAll(async () => {
    await execSql(HTTP, `DROP MATERIALIZED VIEW IF EXISTS ${VIEW}`);
    await execSql(HTTP, `DROP TABLE IF EXISTS ${BASE}`);
  });

  it('a view made invalid by TRUNCATE is refreshed in full and reads the new rows exactly', async () => {
    await execSql(HTTP, `CREATE TABLE ${BASE} (ts TIMESTAMP, domain SYMBOL, value DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, domain)`);
    await execSql(HTTP, `CREATE MATERIALIZED VIEW ${VIEW} AS (SELECT ts, domain, sum(value) total FROM ${BASE} SAMPLE BY 1h) PARTITION BY MONTH`);
    await insertHour('a.example.com', '2025-03-01T10', [1, 2, 3]);
    await waitForRollups(HTTP, { views: [VIEW], baseTable: BASE, timeoutMs: 60_000 });
    expect(await hourlyTotals()).toEqual([['2025-03-01T10:00:00.000000Z', 'a.example.com', 6]]);
    // Nothing to heal while the view is valid.
    expect(await healInvalidViews(HTTP, { baseTables: [BASE] })).toEqual([]);

    await execSql(HTTP, `TRUNCATE TABLE ${BASE}`);
    await insertHour('b.example.com', '2025-03-02T07', [10, 20]);
    await waitUntilVisible(HTTP, BASE, { timeoutMs: 60_000 });
    // QuestDB marks the view invalid once it sees the truncate; it does not refresh it again by itself.
    for (let i = 0; (await viewState()).status !== 'invalid'; i++) {
      if (i > 600) throw new Error(`view never became invalid: ${JSON.stringify(await viewState())}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const healed = await healInvalidViews(HTTP, { baseTables: [BASE] });
    expect(healed).toHaveLength(1);
    expect(healed[0]!.view).toBe(VIEW);
    expect(healed[0]!.reason).toMatch(/truncate/i);
    await waitForRollups(HTTP, { views: [VIEW], baseTable: BASE, timeoutMs: 60_000 });
    expect((await viewState()).status).toBe('valid');
    expect(await hourlyTotals()).toEqual([['2025-03-02T07:00:00.000000Z', 'b.example.com', 30]]);
  });

  it('views over tables cdn-etl does not own are left alone', async () => {
    expect(await healInvalidViews(HTTP, { baseTables: [] })).toEqual([]);
  });
});
