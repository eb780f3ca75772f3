/**
 * Reads which slots QuestDB holds for one domain and turns them into missing ranges, window by window so a range
 * of years never holds more than one window of slots in memory. Every value is a bind parameter.
 */
import type { SqlReader } from '../store/questdb-pg.js';
import { assertSqlName } from '../store/sql-quote.js';
import { findGaps, mergeGaps, type GapRange } from './find-gaps.js';

export interface DomainGapsQuery {
  readonly domain: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** Only slots of this resolution count; undefined = a slot of any resolution covers its time. */
  readonly intervalS?: number | undefined;
  /** The grid gaps are measured on (the finest interval; 60 by default, or intervalS when given). */
  readonly gridS?: number | undefined;
  /** The longest slot that may start before a window and reach into it, s (default 3600). */
  readonly longestSlotS?: number | undefined;
  /** Default 7 days. */
  readonly windowMs?: number | undefined;
  readonly table?: string | undefined;
}

export const DEFAULT_GAPS_WINDOW_MS = 7 * 24 * 3_600_000;

/** The SQL of one window: $1 domain, $2 from, $3 to, [$4 interval_s]. Exported for tests. */
export function presentSlotsSql(byInterval: boolean, table = 'cdn_src_traffic'): string {
  assertSqlName(table, 'table');
  return `SELECT ts, interval_s FROM ${table} WHERE domain = $1 AND ts >= $2 AND ts < $3${byInterval ? ' AND interval_s = $4' : ''} ORDER BY ts`;
}

/**
 * The missing ranges of one domain in [from, to).
 *
 * @example await findDomainGaps(pg, { domain: 'a.com', from, to }) // [{ start, end }, ...]
 * @throws QueryError / ServiceUnavailableError from the reader.
 */
export async function findDomainGaps(reader: SqlReader, q: DomainGapsQuery): Promise<GapRange[]> {
  const gridS = q.gridS ?? q.intervalS ?? 60;
  const windowMs = q.windowMs ?? DEFAULT_GAPS_WINDOW_MS;
  const reachMs = (q.intervalS ?? q.longestSlotS ?? 3600) * 1000;
  const sql = presentSlotsSql(q.intervalS !== undefined, q.table);
  const gaps: GapRange[] = [];
  for (let a = q.from; a < q.to; a += windowMs) {
    const b = Math.min(q.to, a + windowMs);
    const params: unknown[] = [q.domain, new Date(a - reachMs).toISOString(), new Date(b).toISOString()];
    if (q.intervalS !== undefined) params.push(q.intervalS);
    const rows = await reader.query<{ ts: number; interval_s: number }>(sql, params);
    gaps.push(...findGaps(rows.map((r) => ({ ts: Number(r.ts), intervalS: Number(r.interval_s) })), a, b, gridS));
  }
  return mergeGaps(gaps);
}
