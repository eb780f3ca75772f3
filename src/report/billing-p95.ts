/**
 * The billing 95th percentile per domain and month in a zone, as CDN bandwidth billing computes it: the month's
 * 5-minute bandwidth points, the highest 5 % dropped, the highest remaining point billed. The SQL is the
 * `p95-monthly` query of docs/QUERIES.md (a test keeps the two equal); every value is bound.
 *
 * How gaps count: `points_in_month` comes from the month's length in the zone (28 days: 8064, 30: 8640, 31: 8928,
 * daylight-saving months one hour more or less), not from the archive. A 5-minute bucket the archive does not
 * hold completely is a point of 0 bit/s, as a bill counts 5 minutes without traffic, so the number dropped is
 * always floor(points_in_month * 5 / 100) and a month with gaps gives a lower bound (points_held says so).
 */
import type { SqlReader } from '../store/questdb-pg.js';

export const BILLING_P95_SQL = `SELECT domain, to_str(month, 'yyyy-MM') AS month, month_start, points_in_month, points_held,
  points_in_month * 5 / 100 AS dropped,
  max(CASE WHEN rank_from_top = points_in_month * 5 / 100 + 1 THEN bps ELSE 0.0 END) AS p95_bps,
  max(bps) AS peak_bps
FROM (
  SELECT domain, month, to_utc(month, $4) AS month_start, bps,
    row_number() OVER (PARTITION BY domain, month ORDER BY bps DESC) AS rank_from_top,
    count() OVER (PARTITION BY domain, month) AS points_held,
    datediff('m', to_utc(month, $4), to_utc(dateadd('M', 1, month), $4)) / 5 AS points_in_month
  FROM (
    SELECT domain, timestamp_floor('M', to_timezone(ts, $4)) AS month, bytes * 8 / 300 AS bps
    FROM cdn_src_traffic_5m_best
    WHERE complete AND domain LIKE $1 AND ts >= $2 AND ts < $3
  )
)
GROUP BY domain, month, month_start, points_in_month, points_held
ORDER BY domain, month`;

export interface BillingP95Row {
  readonly domain: string;
  /** `yyyy-MM` in the zone. */
  readonly month: string;
  /** The month's first instant, epoch ms UTC. */
  readonly monthStart: number;
  readonly pointsInMonth: number;
  readonly pointsHeld: number;
  readonly dropped: number;
  /** The billed figure, bit/s. */
  readonly p95Bps: number;
  /** The month's highest 5-minute point, bit/s. */
  readonly peakBps: number;
}

export interface BillingP95Input {
  /** SQL LIKE pattern: a domain, or `%`. */
  readonly domainPattern: string;
  /** Epoch ms, inclusive: a month start in the zone for whole months. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** IANA zone (already validated, e.g. by config's parseTimeZone). */
  readonly zone: string;
}

/**
 * One row per domain and month of the range that holds at least one point.
 *
 * @example await queryBillingP95(pg, { domainPattern: 'a.com', from: Date.UTC(2026, 1, 28, 16), to: Date.UTC(2026, 2, 31, 16), zone: 'Asia/Shanghai' })
 */
export async function queryBillingP95(reader: SqlReader, input: BillingP95Input): Promise<BillingP95Row[]> {
  const rows = await reader.query<Record<string, unknown>>(BILLING_P95_SQL, [input.domainPattern, new Date(input.from).toISOString(), new Date(input.to).toISOString(), input.zone]);
  return rows.map((r) => ({
    domain: String(r.domain),
    month: String(r.month),
    monthStart: Number(r.month_start),
    pointsInMonth: Number(r.points_in_month),
    pointsHeld: Number(r.points_held),
    dropped: Number(r.dropped),
    p95Bps: Number(r.p95_bps),
    peakBps: Number(r.peak_bps),
  }));
}

/**
 * The same rule in plain code, for checks and for figures computed from points already in memory:
 * `points` are the held 5-minute points in bit/s; missing points count as 0.
 *
 * @example billingP95([10, 20, 30], 8640) // { dropped: 432, p95Bps: 0 }
 */
export function billingP95(points: readonly number[], pointsInMonth: number): { dropped: number; p95Bps: number } {
  const dropped = Math.floor((pointsInMonth * 5) / 100);
  const sorted = [...points].sort((a, b) => b - a);
  return { dropped, p95Bps: sorted[dropped] ?? 0 };
}
