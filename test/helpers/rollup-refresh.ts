/**
 * Read-after-write for the rollups: materialized views refresh asynchronously after the base table's WAL
 * is applied. Resolves once every named view has caught up with the base table as it was at the call.
 */
import { ServiceUnavailableError } from '../../src/core/errors.js';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { quoteStringLiteral } from '../../src/store/sql-quote.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';

export const ROLLUP_VIEWS = ['cdn_src_traffic_5m', 'cdn_src_traffic_1h', 'cdn_src_traffic_1d'] as const;
export const BASE_TABLE = 'cdn_src_traffic';

export interface WaitForRollupsOptions {
  readonly views?: readonly string[];
  readonly baseTable?: string;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Default 100 ms. */
  readonly pollMs?: number;
}

/**
 * Waits until the base table's committed writes are visible, then until each view's
 * `refresh_base_table_txn` (materialized_views()) reaches the base table's transaction and the view's own
 * WAL is applied.
 *
 * @example await loader.load(rows); await waitForRollups('http://127.0.0.1:9000');
 * @throws ServiceUnavailableError when a view is invalid or not refreshed in time.
 */
export async function waitForRollups(httpBase: string, options: WaitForRollupsOptions = {}): Promise<void> {
  const views = options.views ?? ROLLUP_VIEWS;
  const base = options.baseTable ?? BASE_TABLE;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  await waitUntilVisible(httpBase, base, { timeoutMs });
  const baseState = rowsAsObjects(await execSql(httpBase, `SELECT writerTxn FROM wal_tables() WHERE name = ${quoteStringLiteral(base)}`))[0];
  const target = Number(baseState?.writerTxn ?? 0);
  for (const view of views) {
    for (;;) {
      const state = rowsAsObjects(
        await execSql(httpBase, `SELECT view_status, refresh_base_table_txn, invalidation_reason FROM materialized_views() WHERE view_name = ${quoteStringLiteral(view)}`),
      )[0];
      if (state === undefined) throw new ServiceUnavailableError('questdb', `materialized view ${view} does not exist (run cdn-etl migrate)`);
      if (state.view_status === 'invalid') {
        throw new ServiceUnavailableError('questdb', `materialized view ${view} is invalid (${String(state.invalidation_reason ?? 'no reason')}); run: REFRESH MATERIALIZED VIEW ${view} FULL`);
      }
      if (Number(state.refresh_base_table_txn) >= target) break;
      if (Date.now() >= deadline) {
        throw new ServiceUnavailableError('questdb', `materialized view ${view} did not refresh within ${timeoutMs} ms (at base txn ${String(state.refresh_base_table_txn)}, waiting for ${target})`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    await waitUntilVisible(httpBase, view, { timeoutMs: Math.max(1, deadline - Date.now()) });
  }
}
