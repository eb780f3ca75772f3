/**
 * The report's traffic figures, from the seam-exact views (every slot counted once, derived with the recorded
 * unit): per domain the series of the chart, the total, the true peak at the finest resolution archived and the
 * billing p95 of each month in the zone; the same across all domains. Every value is bound.
 */
import { billingP95, queryBillingP95, type BillingP95Row } from './billing-p95.js';
import { fiveMinutePointsInMonth, monthStart } from '../core/time-zone.js';
import type { BucketKind } from './coverage-map.js';
import type { SqlReader } from '../store/questdb-pg.js';

export interface SeriesPoint {
  /** Bucket start, epoch ms UTC (a local midnight for daily buckets in a zone). */
  readonly ts: number;
  readonly bytes: number;
  /** bytes * 8 / covered seconds of the bucket, bit/s. */
  readonly avgBps: number;
  /** Seconds of the bucket covered, every resolution together (the views' covered_s). */
  readonly coveredS: number;
}

export interface DomainFigures {
  readonly domain: string;
  readonly series: readonly SeriesPoint[];
  readonly bytes: number;
  /** Highest slot bandwidth at the finest resolution archived (a 1-minute slot where there are some), bit/s. */
  readonly truePeakBps: number;
  readonly p95: readonly BillingP95Row[];
}

export interface TotalP95 {
  readonly month: number;
  readonly pointsInMonth: number;
  readonly pointsHeld: number;
  readonly p95Bps: number;
}

export interface ReportFigures {
  readonly zone: string;
  readonly domains: readonly DomainFigures[];
  /** Across domains: per bucket the sum of the domains' average bandwidths. */
  readonly total: { readonly series: readonly SeriesPoint[]; readonly bytes: number; readonly peakBps: number; readonly p95: readonly TotalP95[] };
}

export interface ReportFiguresInput {
  readonly domains: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly bucket: BucketKind;
  readonly zone: string;
}

/** `$1` from, `$2` to, `$3` zone, `$4..` the domains. */
export function seriesSql(domainCount: number, bucket: BucketKind): string {
  const list = Array.from({ length: domainCount }, (_, i) => `$${i + 4}`).join(', ');
  return [
    'SELECT ts, domain, sum(bytes) bytes, sum(covered_s) covered_s, max(peak_bps) peak_bps',
    'FROM cdn_src_traffic_1h_best',
    `WHERE ts >= $1 AND ts < $2 AND domain IN (${list})`,
    `SAMPLE BY ${bucket === 'hour' ? '1h' : '1d'} ALIGN TO CALENDAR TIME ZONE $3`,
    'ORDER BY ts, domain',
  ].join('\n');
}

/** The account's 5-minute points: the domains' complete buckets summed per bucket, bit/s. */
export function totalPointsSql(domainCount: number): string {
  const list = Array.from({ length: domainCount }, (_, i) => `$${i + 3}`).join(', ');
  return [
    'SELECT ts, sum(bytes) * 8 / 300 bps',
    'FROM cdn_src_traffic_5m_best',
    `WHERE complete AND ts >= $1 AND ts < $2 AND domain IN (${list})`,
    'SAMPLE BY 5m',
  ].join('\n');
}

/**
 * Reads the figures.
 *
 * @example await queryReportFigures(pg, { domains: ['a.com'], from, to, bucket: 'hour', zone: 'Asia/Shanghai' })
 */
export async function queryReportFigures(reader: SqlReader, input: ReportFiguresInput): Promise<ReportFigures> {
  const from = new Date(input.from).toISOString();
  const to = new Date(input.to).toISOString();
  const rows = await reader.query<{ ts: number; domain: string; bytes: number; covered_s: number; peak_bps: number }>(seriesSql(input.domains.length, input.bucket), [
    from,
    to,
    input.zone,
    ...input.domains,
  ]);
  const domains: DomainFigures[] = [];
  for (const domain of input.domains) {
    const mine = rows.filter((r) => r.domain === domain && Number(r.covered_s) > 0);
    const series = mine.map((r) => ({ ts: Number(r.ts), bytes: Number(r.bytes), avgBps: (Number(r.bytes) * 8) / Number(r.covered_s), coveredS: Number(r.covered_s) }));
    const p95 = (await queryBillingP95(reader, { domainPattern: domain, from: input.from, to: input.to, zone: input.zone })).filter((p) => p.domain === domain);
    domains.push({
      domain,
      series,
      bytes: series.reduce((a, p) => a + p.bytes, 0),
      truePeakBps: mine.reduce((a, r) => Math.max(a, Number(r.peak_bps)), 0),
      p95,
    });
  }
  const byTs = new Map<number, SeriesPoint>();
  for (const d of domains) {
    for (const p of d.series) {
      const prev = byTs.get(p.ts);
      byTs.set(p.ts, prev ? { ts: p.ts, bytes: prev.bytes + p.bytes, avgBps: prev.avgBps + p.avgBps, coveredS: Math.min(prev.coveredS, p.coveredS) } : p);
    }
  }
  const points = await reader.query<{ ts: number; bps: number }>(totalPointsSql(input.domains.length), [from, to, ...input.domains]);
  const byMonth = new Map<number, number[]>();
  for (const p of points) {
    const m = monthStart(Number(p.ts), input.zone);
    const list = byMonth.get(m) ?? [];
    list.push(Number(p.bps));
    byMonth.set(m, list);
  }
  const p95 = [...byMonth.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([month, list]) => {
      const pointsInMonth = fiveMinutePointsInMonth(month, input.zone);
      return { month, pointsInMonth, pointsHeld: list.length, p95Bps: billingP95(list, pointsInMonth).p95Bps };
    });
  const series = [...byTs.values()].sort((a, b) => a.ts - b.ts);
  return {
    zone: input.zone,
    domains,
    total: { series, bytes: series.reduce((a, p) => a + p.bytes, 0), peakBps: points.reduce((a, p) => Math.max(a, Number(p.bps)), 0), p95 },
  };
}
