/**
 * QuestDB's REST endpoint `/exec`: one SQL statement per call, JSON answers. Used for DDL,
 * migrations and server metadata (tables(), wal_tables()); reads with user values go through
 * questdb-pg.ts with bind parameters.
 */
import { request } from 'undici';
import { QueryError, ServiceUnavailableError } from '../core/errors.js';
import { questDbOrigin, questDbRequest, type QuestDbHttp } from './questdb-access.js';

export interface SqlColumn {
  readonly name: string;
  readonly type: string;
}

/** The answer to one statement. DDL and DML answer with no columns and no rows. */
export interface SqlResult {
  readonly columns: SqlColumn[];
  readonly dataset: unknown[][];
  readonly count: number;
}

export interface ExecSqlOptions {
  readonly signal?: AbortSignal;
  /** Whole-call budget: connect, server work and body. Default 60 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
const MAX_SQL_IN_MESSAGE = 200;

interface ExecAnswer {
  columns?: SqlColumn[];
  dataset?: unknown[][];
  count?: number;
  error?: string;
  position?: number;
}

/**
 * Runs one statement through `GET {httpBase}/exec`.
 *
 * @example const r = await execSql(questdb, 'SELECT count() FROM cdn_src_traffic'); r.dataset[0][0]
 * @throws QueryError when QuestDB refuses the statement (message and position from QuestDB);
 *   ServiceUnavailableError('questdb') when it does not answer in time or at all.
 */
export async function execSql(questdb: QuestDbHttp, sql: string, options: ExecSqlOptions = {}): Promise<SqlResult> {
  const httpBase = questDbOrigin(questdb);
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const url = `${httpBase}/exec?query=${encodeURIComponent(sql)}`;
  let status: number;
  let text: string;
  try {
    const res = await request(url, { method: 'GET', signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, ...questDbRequest(questdb) });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    if (options.signal?.aborted) {
      throw new ServiceUnavailableError('questdb', `query to QuestDB at ${httpBase} was cancelled`, { cause: err });
    }
    const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : describeTransportError(err);
    throw new ServiceUnavailableError(
      'questdb',
      `QuestDB does not answer at ${httpBase} (${why}); start it (npm run services:up) or set QUESTDB_HTTP`,
      { cause: err },
    );
  }
  if (status === 401 || status === 403) {
    throw new ServiceUnavailableError('questdb', `QuestDB at ${httpBase} refused the credentials (HTTP ${status}): set QUESTDB_USER and QUESTDB_PASSWORD, or QUESTDB_TOKEN`);
  }
  let answer: ExecAnswer;
  try {
    answer = JSON.parse(text) as ExecAnswer;
  } catch {
    if (status >= 500) {
      throw new ServiceUnavailableError('questdb', `QuestDB at ${httpBase} answered HTTP ${status}: ${text.slice(0, 200)}`);
    }
    throw new QueryError(`QuestDB at ${httpBase} answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof answer.error === 'string') {
    const position = typeof answer.position === 'number' ? answer.position : undefined;
    throw new QueryError(`QuestDB refused the statement: ${answer.error}${position !== undefined ? ` at position ${position}` : ''} in: ${abbreviate(sql)}`, position);
  }
  if (status >= 400) {
    throw new QueryError(`QuestDB at ${httpBase} answered HTTP ${status} to: ${abbreviate(sql)}`);
  }
  const dataset = Array.isArray(answer.dataset) ? answer.dataset : [];
  return {
    columns: Array.isArray(answer.columns) ? answer.columns : [],
    dataset,
    count: typeof answer.count === 'number' ? answer.count : dataset.length,
  };
}

/** The column values of `result` by column name, row by row (handy for small metadata answers). */
export function rowsAsObjects(result: SqlResult): Record<string, unknown>[] {
  const names = result.columns.map((c) => c.name);
  return result.dataset.map((row) => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) obj[names[i]!] = row[i];
    return obj;
  });
}

/** A short reason for a failed connection: the socket error code when there is one. */
export function describeTransportError(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown } | undefined;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string' && code !== '') return code;
  return typeof e?.message === 'string' ? e.message : String(err);
}

function abbreviate(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_SQL_IN_MESSAGE ? `${oneLine.slice(0, MAX_SQL_IN_MESSAGE)}...` : oneLine;
}
