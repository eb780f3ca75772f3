/**
 * Read-after-write for WAL tables. A 204 from ILP means "in the WAL"; rows become visible to SQL
 * only when the table writer has applied every committed WAL transaction.
 */
import { QueryError, ServiceUnavailableError } from '../core/errors.js';
import type { QuestDbHttp } from './questdb-access.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import { assertSqlName, quoteStringLiteral } from './sql-quote.js';

export interface WaitUntilVisibleOptions {
  /** Give up after this long. Default 60 s. */
  readonly timeoutMs?: number;
  /** Pause between polls. Default 50 ms. */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

interface WalState {
  suspended: boolean;
  writerTxn: number;
  sequencerTxn: number;
  errorTag: string;
  errorMessage: string;
}

/**
 * Resolves once every transaction committed to `table` before the call is visible to SQL.
 * The target is the sequencer's transaction number at the first poll, so writes that others
 * make meanwhile cannot keep it waiting. A non-WAL table is visible at once.
 *
 * @example await loader.load(rows); await waitUntilVisible('http://127.0.0.1:9000', 'cdn_src_traffic');
 * @throws ServiceUnavailableError when the table is suspended (with the `ALTER TABLE ... RESUME WAL` hint)
 *   or not caught up within `timeoutMs`; QueryError when the table does not exist.
 */
export async function waitUntilVisible(httpBase: QuestDbHttp, table: string, options: WaitUntilVisibleOptions = {}): Promise<void> {
  assertSqlName(table, 'table');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let target: number | undefined;
  for (;;) {
    const state = await walState(httpBase, table, options.signal);
    if (state === undefined) {
      await assertTableExists(httpBase, table, options.signal);
      return;
    }
    if (state.suspended) {
      throw new ServiceUnavailableError(
        'questdb',
        `table ${table} is suspended (${state.errorTag || 'no tag'}: ${state.errorMessage || 'no message'}); ` +
          `fix the cause, then run: ALTER TABLE ${table} RESUME WAL`,
      );
    }
    target ??= state.sequencerTxn;
    if (state.writerTxn >= target) return;
    if (Date.now() >= deadline) {
      throw new ServiceUnavailableError(
        'questdb',
        `table ${table} did not catch up within ${timeoutMs} ms (writerTxn ${state.writerTxn}, waiting for ${target})`,
      );
    }
    await delay(pollMs, options.signal);
  }
}

async function walState(httpBase: QuestDbHttp, table: string, signal: AbortSignal | undefined): Promise<WalState | undefined> {
  const result = await execSql(
    httpBase,
    `SELECT suspended, writerTxn, sequencerTxn, errorTag, errorMessage FROM wal_tables() WHERE name = ${quoteStringLiteral(table)}`,
    signal ? { signal } : {},
  );
  const row = rowsAsObjects(result)[0];
  if (row === undefined) return undefined;
  return {
    suspended: row.suspended === true,
    writerTxn: Number(row.writerTxn),
    sequencerTxn: Number(row.sequencerTxn),
    errorTag: String(row.errorTag ?? ''),
    errorMessage: String(row.errorMessage ?? ''),
  };
}

async function assertTableExists(httpBase: QuestDbHttp, table: string, signal: AbortSignal | undefined): Promise<void> {
  const result = await execSql(httpBase, `SELECT table_name FROM tables() WHERE table_name = ${quoteStringLiteral(table)}`, signal ? { signal } : {});
  if (result.dataset.length === 0) throw new QueryError(`table ${table} does not exist (run cdn-etl migrate)`);
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ServiceUnavailableError('questdb', 'waiting for WAL visibility was cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ServiceUnavailableError('questdb', 'waiting for WAL visibility was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
