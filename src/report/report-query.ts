/**
 * Reads what the report needs from cdn_src_traffic over PG wire, every value bound as a parameter: per
 * (bucket, domain, resolution) the slot count, the traffic and how many slots were fetched before they
 * were final. One query per tier, because each tier has its own final age.
 */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SqlReader } from '../store/questdb-pg.js';
import { assertSqlName } from '../store/sql-quote.js';
import { finalAgeMs, type BucketKind, type BucketRow } from './coverage-map.js';

export interface ReportQueryInput {
  readonly domains: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly bucket: BucketKind;
  readonly tiers?: readonly Tier[];
  readonly table?: string;
  /** Daily buckets are local days of this zone (default UTC). */
  readonly zone?: string;
}

/** Bind parameters per query: 3 fixed plus the domains; kept well below any driver limit. */
export const MAX_REPORT_DOMAINS = 1_000;

/**
 * The SQL of one tier's query for `domainCount` domains: $1 final age in microseconds, $2 interval_s,
 * $3 from, $4 to, $5.. the domains; with `zoned`, the zone of the daily buckets last. Exported so tests can check
 * it binds everything.
 */
export function reportSql(domainCount: number, bucket: BucketKind, table = 'cdn_src_traffic', zoned = false): string {
  assertSqlName(table, 'table');
  const placeholders = Array.from({ length: domainCount }, (_, i) => `$${i + 5}`).join(', ');
  const tz = zoned ? ` TIME ZONE $${domainCount + 5}` : '';
  return [
    'SELECT ts, domain, interval_s, count() slots, sum(value) value,',
    '  sum(CASE WHEN cast(fetched_at AS long) - cast(ts AS long) < $1 THEN 1 ELSE 0 END) provisional',
    `FROM ${table}`,
    `WHERE interval_s = $2 AND ts >= $3 AND ts < $4 AND domain IN (${placeholders})`,
    `SAMPLE BY ${bucket === 'hour' ? '1h' : '1d'} ALIGN TO CALENDAR${tz}`,
  ].join('\n');
}

/**
 * Every (bucket, domain, resolution) of the range that holds at least one slot, for the tiers' resolutions.
 *
 * @example const rows = await queryReportRows(pg, { domains: ['a.com'], from, to, bucket: 'hour' });
 * @throws QueryError / ServiceUnavailableError from the reader; InvalidArgumentError for too many domains.
 */
export async function queryReportRows(reader: SqlReader, input: ReportQueryInput): Promise<BucketRow[]> {
  if (input.domains.length === 0) return [];
  if (input.domains.length > MAX_REPORT_DOMAINS) throw new InvalidArgumentError(`at most ${MAX_REPORT_DOMAINS} domains per report`, '--domains');
  const zoned = input.bucket === 'day' && input.zone !== undefined && input.zone !== 'UTC';
  const sql = reportSql(input.domains.length, input.bucket, input.table, zoned);
  const from = new Date(input.from).toISOString();
  const to = new Date(input.to).toISOString();
  const out: BucketRow[] = [];
  for (const tier of input.tiers ?? DEFAULT_TIERS) {
    const rows = await reader.query<{ ts: number; domain: string; interval_s: number; slots: number; value: number; provisional: number }>(sql, [
      finalAgeMs(tier) * 1000,
      tier.intervalS,
      from,
      to,
      ...input.domains,
      ...(zoned ? [input.zone] : []),
    ]);
    for (const r of rows) {
      out.push({ ts: Number(r.ts), domain: String(r.domain), intervalS: Number(r.interval_s), slots: Number(r.slots), value: Number(r.value), provisional: Number(r.provisional) });
    }
  }
  return out;
}
