/**
 * Heals invalid materialized views. QuestDB marks a materialized view `invalid` when its base table is
 * truncated, loses a partition (DROP PARTITION) or has some schema changes; an invalid view is never refreshed
 * again by itself, so every reader of it (report, best views, dashboards) would see stale or no rows for good.
 * `REFRESH MATERIALIZED VIEW v FULL` rebuilds it from the base table and makes it valid again.
 *
 * Only views over the tables cdn-etl owns are touched: an operator's own views in the same database are theirs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { QuestDbHttp } from './questdb-access.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import { assertSqlName, quoteStringLiteral } from './sql-quote.js';

/** The base tables whose materialized views cdn-etl creates (migrations 002 and later). */
export const OWNED_BASE_TABLES = ['cdn_src_traffic'] as const;

export interface HealedView {
  readonly view: string;
  /** QuestDB's `invalidation_reason`, e.g. "truncate operation". */
  readonly reason: string;
}

export interface HealViewsOptions {
  /** Base tables whose invalid views are refreshed (default OWNED_BASE_TABLES). */
  readonly baseTables?: readonly string[];
  /** How long QuestDB may take to pick up each refresh, ms (default DEFAULT_HEAL_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/** QuestDB picks a refresh up within moments; a minute means it is stuck, and migrate says so. */
export const DEFAULT_HEAL_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

/**
 * Refreshes (FULL) every invalid materialized view over `baseTables` and returns what it refreshed. Each call
 * returns once QuestDB no longer calls the view invalid (the refresh has been taken up); the rows themselves
 * arrive asynchronously, and readers that need them wait as for any refresh.
 *
 * @throws ServiceUnavailableError when a view is still invalid after `timeoutMs`.
 * @example const healed = await healInvalidViews('http://127.0.0.1:9000'); // [{ view: 'cdn_src_traffic_1h', reason: 'truncate operation' }]
 */
export async function healInvalidViews(questdbHttp: QuestDbHttp, options: HealViewsOptions = {}): Promise<HealedView[]> {
  const rows: Record<string, unknown>[] = [];
  for (const base of options.baseTables ?? OWNED_BASE_TABLES) {
    const sql = `SELECT view_name, invalidation_reason FROM materialized_views() WHERE view_status = 'invalid' AND base_table_name = ${quoteStringLiteral(assertSqlName(base, 'baseTables'))}`;
    rows.push(...rowsAsObjects(await execSql(questdbHttp, sql)));
  }
  const healed: HealedView[] = [];
  for (const row of rows) {
    const view = assertSqlName(String(row.view_name), 'view_name');
    await execSql(questdbHttp, `REFRESH MATERIALIZED VIEW ${view} FULL`);
    await waitWhileInvalid(questdbHttp, view, options.timeoutMs ?? DEFAULT_HEAL_TIMEOUT_MS);
    const reason = row.invalidation_reason === null || row.invalidation_reason === undefined ? 'no reason given' : String(row.invalidation_reason);
    options.logger?.warn({ view, reason }, 'materialized view was invalid: full refresh started');
    healed.push({ view, reason });
  }
  return healed;
}

async function waitWhileInvalid(questdbHttp: QuestDbHttp, view: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = rowsAsObjects(await execSql(questdbHttp, `SELECT view_status FROM materialized_views() WHERE view_name = ${quoteStringLiteral(view)}`));
    if (row?.view_status !== 'invalid') return;
    if (Date.now() >= deadline) {
      throw new ServiceUnavailableError('questdb', `materialized view ${view} is still invalid ${timeoutMs} ms after REFRESH MATERIALIZED VIEW ${view} FULL; see QuestDB's log`);
    }
    await sleep(POLL_MS);
  }
}
