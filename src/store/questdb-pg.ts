/**
 * Reads from QuestDB over the PostgreSQL wire protocol with bind parameters: the path for every
 * query that carries a user-supplied value (a domain, a range), so no value is ever spliced into SQL.
 */
import pg from 'pg';
import { QueryError, ServiceUnavailableError } from '../core/errors.js';
import { redactUrl } from '../core/config.js';
import { describeTransportError } from './questdb-http.js';

const OID_INT8 = 20;
const OID_TIMESTAMP = 1114;
const OID_TIMESTAMPTZ = 1184;

/** The slice of QuestDbPg that readers use (reports, gaps), so pure tests can pass a fake of it. */
export interface SqlReader {
  query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface QuestDbPgOptions {
  /** `postgres://admin:quest@127.0.0.1:8812/qdb` */
  readonly url: string;
  /** Pooled connections. Default 4. */
  readonly max?: number;
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Per query. Default 60 s. */
  readonly queryTimeoutMs?: number;
}

/**
 * Value conversions, so callers get numbers rather than strings or local-time Dates:
 * LONG -> number (exact below 2^53; counts and txns are far below), TIMESTAMP -> epoch
 * milliseconds UTC (QuestDB timestamps carry no zone; they are UTC by convention).
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === 'text') {
      if (oid === OID_INT8) return (v: string) => Number(v);
      if (oid === OID_TIMESTAMP || oid === OID_TIMESTAMPTZ) return parseUtcTimestamp;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** `2026-01-02 03:04:05.678901` (or with `T`, with or without a zone) -> epoch ms, UTC. */
export function parseUtcTimestamp(text: string): number {
  let iso = text.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new QueryError(`QuestDB returned an unreadable timestamp: ${JSON.stringify(text)}`);
  return ms;
}

/** A small pool of PG-wire connections to QuestDB. Create once, close() when done. */
export class QuestDbPg implements SqlReader {
  private readonly pool: pg.Pool;
  private readonly where: string;

  /** Connects lazily: the first query opens the first connection. */
  constructor(options: QuestDbPgOptions) {
    this.where = redactUrl(options.url);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 60_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      types: typeParsers,
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs `sql` with `$1, $2, ...` bound to `params` and returns the rows as objects.
   *
   * @example await pg.query<{ n: number }>('SELECT count() n FROM cdn_src_traffic WHERE domain = $1', ['a.com'])
   * @throws QueryError when QuestDB refuses the query; ServiceUnavailableError when it does not answer.
   */
  async query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      const result = await this.pool.query({ text: sql, values: [...params] });
      return result.rows as R[];
    } catch (err) {
      throw this.translate(err);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private translate(err: unknown): Error {
    const e = err as { severity?: unknown; message?: unknown; position?: unknown };
    // Errors from the server carry a severity; anything else is the connection.
    if (typeof e?.severity === 'string') {
      const position = e.position === undefined ? undefined : Number(e.position);
      return new QueryError(`QuestDB refused the query: ${String(e.message)}`, Number.isFinite(position) ? position : undefined);
    }
    return new ServiceUnavailableError('questdb', `QuestDB does not answer on PG wire at ${this.where} (${describeTransportError(err)})`, { cause: err });
  }
}
