/** The value unit recorded by migrate: recorded once, compared later, changed only when asked (own table, real QuestDB). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { readValueUnit, recordValueUnit } from '../../src/store/value-unit.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const table = `store_test_unit_${randomUUID().slice(0, 8)}`;

describe('the recorded value unit', () => {
  beforeAll(async () => {
    // The shape migration 005 gives cdn_etl_value_unit.
    await execSql(HTTP, `CREATE TABLE ${table} (unit SYMBOL, bytes_per_value DOUBLE, set_at TIMESTAMP) TIMESTAMP(set_at) PARTITION BY NONE BYPASS WAL`);
  });

  afterAll(async () => {
    await execSql(HTTP, `DROP TABLE IF EXISTS ${table}`);
  });

  it('records the first unit, keeps it, refuses another, and changes only with change: true', async () => {
    expect(await readValueUnit(HTTP, table)).toBeUndefined();
    expect(await recordValueUnit(HTTP, 'byte', { table })).toEqual({ unit: 'byte', action: 'recorded' });
    expect(await recordValueUnit(HTTP, 'byte', { table })).toEqual({ unit: 'byte', action: 'unchanged' });
    await expect(recordValueUnit(HTTP, 'bit', { table })).rejects.toMatchObject({
      code: 'CDN_ETL_INVALID_ARGUMENT',
      source: 'CDN_VALUE_UNIT',
      message: expect.stringContaining('CDN_VALUE_UNIT: is bit but this QuestDB records value in bytes; every figure would change by a factor of 8. If bit is right, run: cdn-etl migrate --change-unit'),
    });
    expect(await readValueUnit(HTTP, table)).toBe('byte');
    expect(await recordValueUnit(HTTP, 'bit', { table, change: true })).toEqual({ unit: 'bit', action: 'changed', previous: 'byte' });
    expect(await readValueUnit(HTTP, table)).toBe('bit');
    const rows = rowsAsObjects(await execSql(HTTP, `SELECT unit, bytes_per_value FROM ${table}`));
    expect(rows).toEqual([
      { unit: 'byte', bytes_per_value: 1 },
      { unit: 'bit', bytes_per_value: 0.125 },
    ]);
  });
});
