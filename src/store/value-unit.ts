/**
 * The installation's unit of cdn_src_traffic.value, recorded in QuestDB (table cdn_etl_value_unit of
 * migration 005) so that every reader and every view sees the same one. `migrate` records it: the first
 * run stores CDN_VALUE_UNIT; later runs compare, and a different unit is refused unless the operator asks
 * for the change explicitly (then a new row is appended and every view, which reads the newest row,
 * follows at once). A unit never flips silently.
 */
import type { ValueUnit } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { QuestDbHttp } from './questdb-access.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import { assertSqlName, quoteStringLiteral } from './sql-quote.js';

export const VALUE_UNIT_TABLE = 'cdn_etl_value_unit';

/** Bytes per unit of value. */
export const BYTES_PER_VALUE: Readonly<Record<ValueUnit, number>> = Object.freeze({ byte: 1, bit: 0.125 });

export interface ValueUnitOutcome {
  readonly unit: ValueUnit;
  /** `recorded` on a first run, `unchanged` when QuestDB already held it, `changed` after an asked-for change. */
  readonly action: 'recorded' | 'unchanged' | 'changed';
  /** The unit QuestDB held before a change. */
  readonly previous?: ValueUnit;
}

export interface RecordValueUnitOptions {
  /** Allow replacing a different recorded unit (migrate --change-unit). */
  readonly change?: boolean;
  /** Default cdn_etl_value_unit (tests use their own). */
  readonly table?: string;
}

/** The unit in force, or undefined before the first `migrate`. */
export async function readValueUnit(http: QuestDbHttp, table = VALUE_UNIT_TABLE): Promise<ValueUnit | undefined> {
  const name = assertSqlName(table, 'table');
  const [row] = rowsAsObjects(await execSql(http, `SELECT unit FROM ${name} LIMIT -1`));
  return row === undefined ? undefined : (String(row.unit) as ValueUnit);
}

/**
 * Records `unit` as the installation's unit of value (see the module header).
 *
 * @example await recordValueUnit('http://127.0.0.1:9000', 'byte') // { unit: 'byte', action: 'unchanged' }
 * @throws InvalidArgumentError (CDN_VALUE_UNIT) when QuestDB records another unit and `change` is not set.
 */
export async function recordValueUnit(http: QuestDbHttp, unit: ValueUnit, options: RecordValueUnitOptions = {}): Promise<ValueUnitOutcome> {
  const table = assertSqlName(options.table ?? VALUE_UNIT_TABLE, 'table');
  const previous = await readValueUnit(http, table);
  if (previous === unit) return { unit, action: 'unchanged' };
  if (previous !== undefined && options.change !== true) {
    throw new InvalidArgumentError(
      `is ${unit} but this QuestDB records value in ${previous}s; every figure would change by a factor of 8. ` +
        `If ${unit} is right, run: cdn-etl migrate --change-unit (with CDN_VALUE_UNIT=${unit}); otherwise set CDN_VALUE_UNIT=${previous}`,
      'CDN_VALUE_UNIT',
    );
  }
  await execSql(http, `INSERT INTO ${table} (unit, bytes_per_value, set_at) VALUES (${quoteStringLiteral(unit)}, ${unit === 'bit' ? '0.125' : '1.0'}, now())`);
  return previous === undefined ? { unit, action: 'recorded' } : { unit, action: 'changed', previous };
}
