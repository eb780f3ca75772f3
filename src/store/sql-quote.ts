/**
 * Quoting for the few SQL texts that must embed a name or a value (table names from config,
 * migration file names). Reads with user-supplied values go through questdb-pg.ts with bind
 * parameters instead.
 */
import { InvalidArgumentError } from '../core/errors.js';

/** QuestDB's default `cairo.max.file.name.length` caps table names at 127 characters. */
const MAX_NAME_LENGTH = 127;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a table or column name cdn-etl creates or reads: letters, digits and underscores,
 * not starting with a digit, at most 127 characters. Returns the name unchanged.
 *
 * @example assertSqlName('cdn_src_traffic', '--table') // 'cdn_src_traffic'
 * @throws InvalidArgumentError naming `source` when the name is not plain.
 */
export function assertSqlName(name: string, source?: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || !PLAIN_NAME.test(name)) {
    throw new InvalidArgumentError(
      `must be 1 to ${MAX_NAME_LENGTH} letters, digits or underscores, not starting with a digit, got ${JSON.stringify(name)}`,
      source,
    );
  }
  return name;
}

/**
 * A validated name wrapped in double quotes, safe to embed as an identifier.
 *
 * @example quoteIdentifier('cdn_src_traffic') // '"cdn_src_traffic"'
 */
export function quoteIdentifier(name: string, source?: string): string {
  return `"${assertSqlName(name, source)}"`;
}

/**
 * A SQL string literal: single quotes doubled, the whole wrapped in single quotes. NUL is refused
 * because QuestDB, like most servers, ends the text there.
 *
 * @example quoteStringLiteral("it's") // "'it''s'"
 */
export function quoteStringLiteral(value: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`expected a string, got ${typeof value}`);
  if (value.includes('\u0000')) throw new InvalidArgumentError('a SQL string literal cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}
