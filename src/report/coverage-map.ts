/**
 * Turns per-bucket archive counts into the report's model: for each domain and each hour (or day) of the
 * range, which resolution to trust, whether it is complete, provisional, partial or missing, and the
 * traffic it holds. Pure: the rows and `now` come in, nothing is read.
 *
 * One resolution per bucket, as in the SQL view cdn_src_traffic_1h_best: the one that covers most of the
 * bucket, the finest on a tie. Totals use only that resolution, so time archived at 1 and 5 minutes is
 * counted once.
 */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import { dayStart, nextDayStart } from '../core/time-zone.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Up to this range length the map shows hours; above, days (a year of hours is unreadable). */
export const HOURLY_CELLS_UP_TO_MS = 14 * DAY_MS;

export type BucketKind = 'hour' | 'day';

/** What the archive holds for one (bucket, domain, resolution): one row of the report query. */
export interface BucketRow {
  /** Bucket start, epoch ms UTC. */
  readonly ts: number;
  readonly domain: string;
  readonly intervalS: number;
  readonly slots: number;
  /** Traffic in bytes: the rows' value converted with the recorded unit (the report command does it). */
  readonly value: number;
  /** Slots whose value was fetched before the slot was final (it may still have been revised upward). */
  readonly provisional: number;
}

export type CellStatus = 'complete' | 'provisional' | 'partial' | 'missing' | 'future';

export const CELL_STATUSES: readonly CellStatus[] = ['complete', 'provisional', 'partial', 'missing', 'future'];

export interface CoverageCell {
  readonly start: number;
  readonly end: number;
  readonly status: CellStatus;
  /** The resolution trusted for this bucket; undefined when nothing is archived. */
  readonly intervalS: number | undefined;
  /** Slots of that resolution present / expected in the bucket. */
  readonly slots: number;
  readonly expectedSlots: number;
  readonly provisionalSlots: number;
  /** Traffic of the bucket at that resolution, bytes (0 when missing). */
  readonly value: number;
  /** Every resolution archived in the bucket, finest first (for the tooltip and the text). */
  readonly resolutions: readonly { readonly intervalS: number; readonly slots: number }[];
}

export interface DomainCoverage {
  readonly domain: string;
  readonly cells: readonly CoverageCell[];
  /** Bytes, at the resolution trusted per bucket. */
  readonly totalBytes: number;
  /** Highest average bandwidth of a bucket (bytes * 8 / covered seconds), bit/s. */
  readonly peakBps: number;
  readonly counts: Readonly<Record<CellStatus, number>>;
  /** Bucket count per trusted resolution. */
  readonly byResolution: ReadonlyMap<number, number>;
}

export interface ReportModel {
  /** Range shown: the requested one widened to whole buckets. */
  readonly from: number;
  readonly to: number;
  readonly requestedFrom: number;
  readonly requestedTo: number;
  readonly bucket: BucketKind;
  readonly bucketMs: number;
  readonly generatedAt: number;
  readonly domains: readonly DomainCoverage[];
}

export interface BuildReportInput {
  readonly domains: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly rows: readonly BucketRow[];
  readonly now: number;
  /** Default: chooseBucket(from, to). */
  readonly bucket?: BucketKind;
  /** Daily cells are local days of this zone (default UTC); hourly cells are hours in any zone. */
  readonly zone?: string;
}

/**
 * Hours for ranges up to 14 days, days beyond.
 *
 * @example chooseBucket(Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 3)) // 'hour'
 */
export function chooseBucket(from: number, to: number): BucketKind {
  return to - from <= HOURLY_CELLS_UP_TO_MS ? 'hour' : 'day';
}

export function bucketMs(bucket: BucketKind): number {
  return bucket === 'hour' ? HOUR_MS : DAY_MS;
}

/**
 * [from, to) widened to whole buckets: UTC hours, or days of `zone` (default UTC).
 *
 * @example alignRange(Date.UTC(2025, 0, 1, 10, 30), Date.UTC(2025, 0, 1, 12, 1), 'hour') // 10:00 .. 13:00
 */
export function alignRange(from: number, to: number, bucket: BucketKind, zone = 'UTC'): { from: number; to: number } {
  if (bucket === 'day' && zone !== 'UTC') return { from: dayStart(from, zone), to: dayStart(to, zone) === to ? to : nextDayStart(to, zone) };
  const size = bucketMs(bucket);
  return { from: Math.floor(from / size) * size, to: Math.ceil(to / size) * size };
}

/**
 * The age (fetched_at - slot start, ms) from which a fetched value of `tier` is final: the same rule as
 * isSlotFinal in tiers.ts with `now` = the fetch time.
 */
export function finalAgeMs(tier: Tier): number {
  return tier.intervalS * 1000 + tier.delayMs + tier.revisionMs;
}

/** The final age of every tier, by interval: what the report query binds. */
export function finalAges(tiers: readonly Tier[] = DEFAULT_TIERS): { intervalS: number; finalAgeMs: number }[] {
  return tiers.map((t) => ({ intervalS: t.intervalS, finalAgeMs: finalAgeMs(t) }));
}

/**
 * Builds the model: one cell per domain and bucket of the aligned range, in order.
 *
 * @throws InvalidArgumentError for an empty or reversed range, or a row of a domain not asked for.
 */
export function buildReportModel(input: BuildReportInput): ReportModel {
  if (!(input.to > input.from)) throw new InvalidArgumentError('the report range is empty', '--to');
  const bucket = input.bucket ?? chooseBucket(input.from, input.to);
  const size = bucketMs(bucket);
  const zone = bucket === 'day' ? (input.zone ?? 'UTC') : 'UTC';
  const { from, to } = alignRange(input.from, input.to, bucket, zone);
  const startOf = (ts: number): number => (zone === 'UTC' ? Math.floor(ts / size) * size : dayStart(ts, zone));
  const bounds: [number, number][] = [];
  for (let start = from; start < to; ) {
    const end = zone === 'UTC' ? start + size : nextDayStart(start, zone);
    bounds.push([start, end]);
    start = end;
  }
  const byDomain = new Map<string, Map<number, BucketRow[]>>();
  for (const d of input.domains) byDomain.set(d, new Map());
  for (const row of input.rows) {
    const cells = byDomain.get(row.domain);
    if (!cells) throw new InvalidArgumentError(`a row of domain ${JSON.stringify(row.domain)} was not asked for`, 'rows');
    const start = startOf(row.ts);
    const list = cells.get(start) ?? [];
    list.push(row);
    cells.set(start, list);
  }
  const domains = input.domains.map((domain) => domainCoverage(domain, byDomain.get(domain)!, bounds, input.now));
  return { from, to, requestedFrom: input.from, requestedTo: input.to, bucket, bucketMs: size, generatedAt: input.now, domains };
}

function domainCoverage(domain: string, rowsByStart: Map<number, BucketRow[]>, bounds: readonly (readonly [number, number])[], now: number): DomainCoverage {
  const cells: CoverageCell[] = [];
  const counts: Record<CellStatus, number> = { complete: 0, provisional: 0, partial: 0, missing: 0, future: 0 };
  const byResolution = new Map<number, number>();
  let totalBytes = 0;
  let peakBps = 0;
  for (const [start, end] of bounds) {
    const cell = classifyCell(start, end, mergeResolutions(rowsByStart.get(start) ?? []), now);
    cells.push(cell);
    counts[cell.status] += 1;
    if (cell.intervalS !== undefined) {
      byResolution.set(cell.intervalS, (byResolution.get(cell.intervalS) ?? 0) + 1);
      totalBytes += cell.value;
      peakBps = Math.max(peakBps, averageBps(cell));
    }
  }
  return { domain, cells, totalBytes, peakBps, counts, byResolution };
}

/** Rows of one bucket by resolution (the query may deliver one row per resolution, or several). */
function mergeResolutions(rows: readonly BucketRow[]): BucketRow[] {
  const merged = new Map<number, BucketRow>();
  for (const r of rows) {
    const prev = merged.get(r.intervalS);
    merged.set(r.intervalS, prev ? { ...prev, slots: prev.slots + r.slots, value: prev.value + r.value, provisional: prev.provisional + r.provisional } : r);
  }
  return [...merged.values()].sort((a, b) => a.intervalS - b.intervalS);
}

/**
 * One bucket's verdict. Exported for the unit tests.
 * - nothing archived: `missing`, or `future` when the bucket starts at or after `now`;
 * - the trusted resolution covers less than the bucket: `partial`;
 * - it covers the bucket but some slot was fetched before it was final: `provisional`;
 * - otherwise `complete`.
 */
export function classifyCell(start: number, end: number, resolutions: readonly BucketRow[], now: number): CoverageCell {
  const present = resolutions.filter((r) => r.slots > 0).map((r) => ({ intervalS: r.intervalS, slots: r.slots }));
  if (present.length === 0) {
    return { start, end, status: start >= now ? 'future' : 'missing', intervalS: undefined, slots: 0, expectedSlots: 0, provisionalSlots: 0, value: 0, resolutions: [] };
  }
  let best: BucketRow | undefined;
  for (const r of resolutions) {
    if (r.slots <= 0) continue;
    const covered = r.slots * r.intervalS;
    const bestCovered = best ? best.slots * best.intervalS : -1;
    if (covered > bestCovered || (covered === bestCovered && r.intervalS < best!.intervalS)) best = r;
  }
  const chosen = best!;
  const expectedSlots = Math.round((end - start) / (chosen.intervalS * 1000));
  const status: CellStatus = chosen.slots < expectedSlots ? 'partial' : chosen.provisional > 0 ? 'provisional' : 'complete';
  return {
    start,
    end,
    status,
    intervalS: chosen.intervalS,
    slots: chosen.slots,
    expectedSlots,
    provisionalSlots: chosen.provisional,
    value: chosen.value,
    resolutions: present,
  };
}

/** Average bandwidth over the covered part of the cell, bit/s (0 when nothing is archived). */
export function averageBps(cell: CoverageCell): number {
  if (cell.intervalS === undefined || cell.slots === 0) return 0;
  return (cell.value * 8) / (cell.slots * cell.intervalS);
}
