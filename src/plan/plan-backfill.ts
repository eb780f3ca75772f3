/**
 * The backfill planner: a half-open range [from, to) and some domains -> the API calls (chunks) that
 * fetch it at the finest granularity the API still holds, plus the parts no call can fetch. Pure:
 * `now` is a parameter, the output depends on nothing else.
 *
 * How the range is cut (tiers finest first, `lo` = now - history + margin, the oldest call start a
 * tier is planned for):
 * - Tier i covers [S_i, E_i): S_i = lo_i rounded UP to the next coarser tier's grid (and its own), so
 *   the boundary between two tiers lies on both grids and nothing is lost there (a few minutes near a
 *   horizon go to the coarser tier instead of being dropped); E_0 is the end of the newest published
 *   slot (now - delay, floored to the grid) and E_i = S_{i-1} for coarser tiers. With a tier table
 *   whose grids do not nest, E_i is floored to tier i's grid, losing less than one slot of the finer
 *   tier there (measured in plan-backfill-properties.test.ts).
 * - Within a tier, chunks are cut on the epoch-aligned grid of the tier's widest call (whole hours for
 *   1-minute data, 3-day blocks for 5-minute data, 31-day blocks for hourly data), so re-planning the
 *   same range later gives the same ids except near the moving edges. [from, to) is rounded inward to
 *   the tier's slot grid: a slot is planned only when it lies wholly inside [from, to), so a slot that
 *   starts before an off-grid `to` but ends after it is left out (on-grid bounds lose nothing).
 * - A chunk's call spans [callStart, callEnd], end inclusive as the API treats it. When the chunk's own
 *   span would select a finer tier (a 20-minute remnant of 5-minute data) or be empty (one slot), the
 *   call is widened to the smallest span that selects the chunk's tier, strictly wider than the finer
 *   tier's limit so "<" or "<=" at the API's boundary does not matter: forward from the chunk start
 *   (never beyond now), or failing that, ending at now (never starting before lo).
 * - Not planned, reported instead: `beyond-horizon` (older than the coarsest tier's horizon plus
 *   margin) and `not-yet-available` (newer than the newest published slot). Backfill loads what
 *   exists; provisional slots that exist are planned, and the pipeline fetches them again later.
 * - Order: most urgent first (the earliest moment a chunk's call start falls off its tier's history),
 *   then domain, then start.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Chunk, TrafficRow, UnavailableRange } from '../core/model.js';
import { DEFAULT_TIERS, validateTiers, type Tier } from '../aliyun/tiers.js';
import { chunkId } from './chunk-id.js';
import { validateDomain } from './parse-domains.js';

export { parseInstant, parseRange, type TimeRange } from './parse-range.js';
export { parseDomains, validateDomain } from './parse-domains.js';

/** Default distance kept inside every tier's horizon, since horizons move while a run lasts. */
export const DEFAULT_MARGIN_MS = 60 * 60_000;

export interface PlanBackfillInput {
  /** Validated (InvalidArgumentError naming `--domains`), lower-cased and deduplicated. */
  readonly domains: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly now: number;
  readonly tiers?: readonly Tier[] | undefined;
  readonly marginMs?: number | undefined;
}

export interface BackfillPlan {
  readonly chunks: Chunk[];
  readonly unavailable: UnavailableRange[];
}

interface Segment {
  readonly tier: number;
  /** On the tier's slot grid; [start, end). */
  readonly start: number;
  readonly end: number;
}

interface TierLayout {
  readonly segments: readonly Segment[];
  /** What the segments account for, including sub-slot rounding at tier changes (not reported). */
  readonly covered: readonly (readonly [number, number])[];
  /** Everything older than this is beyond every horizon. */
  readonly oldest: number;
}

/**
 * Plans a backfill of [from, to) for each domain.
 *
 * @example
 * const now = Date.UTC(2026, 10, 29, 12);
 * planBackfill({ domains: ['a.example.com'], from: now - 3 * 3_600_000, to: now - 3_600_000, now });
 * // { chunks: [ 09:00-10:00 and 10:00-11:00 at 60 s, each asked as [start, end - 60 s] ], unavailable: [] }
 * @throws InvalidArgumentError on a bad domain, from > to, a bad tier table or non-integer times.
 */
export function planBackfill(input: PlanBackfillInput): BackfillPlan {
  // Lower-cased and deduplicated, so that `A.com` and `a.com` share chunk ids.
  const domains = [...new Set(input.domains.map((d) => validateDomain(d)))];
  const { templates, unavailable: gaps } = planTemplates(input);
  const planned: { chunk: Chunk; deadline: number }[] = [];
  const unavailable: UnavailableRange[] = [];
  for (const domain of domains) {
    for (const t of templates) planned.push({ chunk: chunkOf(t, domain), deadline: t.deadline });
    for (const g of gaps) unavailable.push({ domain, ...g });
  }
  planned.sort((x, y) => x.deadline - y.deadline || cmp(x.chunk.domain, y.chunk.domain) || x.chunk.start - y.chunk.start || x.chunk.intervalS - y.chunk.intervalS);
  unavailable.sort((x, y) => cmp(x.domain, y.domain) || x.start - y.start);
  return { chunks: planned.map((p) => p.chunk), unavailable };
}

/**
 * One call of a backfill's plan, for any domain: the plan of [from, to) is the same for every domain, so a
 * backfill of 10,000 domains is a few hundred templates times the domain list, never a list of millions of chunks.
 */
export interface ChunkTemplate {
  readonly intervalS: number;
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  readonly callStart: number;
  readonly callEnd: number;
  /** When the call start falls off its tier's history: the order of urgency. */
  readonly deadline: number;
}

/** A part of [from, to) that no tier holds, the same for every domain. */
export type TemplateGap = Omit<UnavailableRange, 'domain'>;

export interface TemplatePlan {
  /** Most urgent first (deadline, then start, then interval). */
  readonly templates: ChunkTemplate[];
  readonly unavailable: TemplateGap[];
}

/**
 * The domain-independent part of planBackfill: the calls that fetch [from, to) for any one domain, most urgent
 * first, and the parts no call can fetch. `domains` in the input is ignored.
 *
 * @throws InvalidArgumentError on from > to, a bad tier table or non-integer times.
 */
export function planTemplates(input: Omit<PlanBackfillInput, 'domains'>): TemplatePlan {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  checkCommon(tiers, input.now, marginMs);
  if (!Number.isSafeInteger(input.from) || !Number.isSafeInteger(input.to)) {
    throw new InvalidArgumentError('from and to must be whole epoch milliseconds');
  }
  if (input.from > input.to) throw new InvalidArgumentError('the range starts after it ends', '--from');

  const layout = layoutTiers(tiers, input.now, marginMs);
  const templates: ChunkTemplate[] = [];
  const unavailable: TemplateGap[] = [];
  for (const seg of layout.segments) {
    const tier = tiers[seg.tier]!;
    const g = tier.intervalS * 1000;
    const start = Math.max(seg.start, ceilTo(input.from, g));
    const end = Math.min(seg.end, floorTo(input.to, g));
    for (const [a, b] of splitOnGrid(start, end, tier.maxSpanMs)) {
      const call = callFor(tiers, seg.tier, a, b, input.now, marginMs);
      if (call) templates.push({ intervalS: tier.intervalS, start: a, end: b, ...call, deadline: call.callStart + tier.historyMs });
      else unavailable.push({ start: a, end: b, reason: 'beyond-horizon' });
    }
  }
  for (const gap of uncovered(input.from, input.to, layout.covered)) {
    if (gap[0] < layout.oldest) unavailable.push({ start: gap[0], end: Math.min(gap[1], layout.oldest), reason: 'beyond-horizon' });
    if (gap[1] > layout.oldest) unavailable.push({ start: Math.max(gap[0], layout.oldest), end: gap[1], reason: 'not-yet-available' });
  }
  templates.sort((x, y) => x.deadline - y.deadline || x.start - y.start || x.intervalS - y.intervalS);
  unavailable.sort((x, y) => x.start - y.start);
  return { templates, unavailable };
}

/** The chunk a template stands for, for one (validated, lower-case) domain. */
export function chunkOf(t: ChunkTemplate, domain: string): Chunk {
  return { id: chunkId(domain, t.intervalS, t.start, t.end), domain, intervalS: t.intervalS, start: t.start, end: t.end, callStart: t.callStart, callEnd: t.callEnd };
}

/**
 * Re-expresses a chunk that the API refused with InvalidStartTime.ValueNotSupported (its tier's horizon
 * moved past it) at the next coarser tier that still holds ALL of [chunk.start, chunk.end), rounded
 * inward to that tier's grid and cut on its call grid.
 *
 * @returns the new chunks (same domain), or undefined when no coarser tier can serve a whole slot of it.
 */
export function replanAtCoarserTier(chunk: Chunk, now: number, tiers: readonly Tier[] = DEFAULT_TIERS, marginMs: number = DEFAULT_MARGIN_MS): Chunk[] | undefined {
  checkCommon(tiers, now, marginMs);
  for (let j = 0; j < tiers.length; j++) {
    const tier = tiers[j]!;
    if (tier.intervalS <= chunk.intervalS) continue;
    const g = tier.intervalS * 1000;
    const start = ceilTo(chunk.start, g);
    const end = floorTo(chunk.end, g);
    if (start >= end || start < lowestStart(tier, now, marginMs) || end > newestEnd(tier, now)) continue;
    const chunks: Chunk[] = [];
    for (const [a, b] of splitOnGrid(start, end, tier.maxSpanMs)) {
      const c = makeChunk(tiers, j, chunk.domain, a, b, now, marginMs);
      if (!c) break;
      chunks.push(c);
    }
    if (chunks.length > 0 && chunks[chunks.length - 1]!.end === end) return chunks;
  }
  return undefined;
}

/**
 * The rows that belong to a chunk: slot start in [chunk.start, chunk.end). A widened call returns more
 * slots than the chunk owns; the neighbours' slots are left to their own chunks.
 */
export function rowsInChunk(rows: readonly TrafficRow[], chunk: Chunk): TrafficRow[] {
  return rows.filter((r) => r.ts >= chunk.start && r.ts < chunk.end);
}

function checkCommon(tiers: readonly Tier[], now: number, marginMs: number): void {
  const problem = validateTiers(tiers);
  if (problem) throw new InvalidArgumentError(`invalid tier table: ${problem}`);
  if (!Number.isSafeInteger(now)) throw new InvalidArgumentError('now must be whole epoch milliseconds');
  if (!Number.isSafeInteger(marginMs) || marginMs < 0) throw new InvalidArgumentError('marginMs must be a non-negative whole number');
}

/** The oldest call start planned for `tier`: its horizon plus the margin. */
function lowestStart(tier: Tier, now: number, marginMs: number): number {
  return now - tier.historyMs + marginMs;
}

/** The end of the newest slot of `tier` that the API already publishes at `now`. */
function newestEnd(tier: Tier, now: number): number {
  return floorTo(now - tier.delayMs, tier.intervalS * 1000);
}

function layoutTiers(tiers: readonly Tier[], now: number, marginMs: number): TierLayout {
  const segments: Segment[] = [];
  const covered: [number, number][] = [];
  let cover = Number.POSITIVE_INFINITY;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i]!;
    const g = tier.intervalS * 1000;
    const next = tiers[i + 1];
    const lo = lowestStart(tier, now, marginMs);
    const start = ceilTo(next ? ceilTo(lo, next.intervalS * 1000) : lo, g);
    const hi = newestEnd(tier, now);
    const capped = cover !== Number.POSITIVE_INFINITY && floorTo(cover, g) <= hi;
    const end = capped ? floorTo(cover, g) : hi;
    if (start >= end) continue;
    segments.push({ tier: i, start, end });
    covered.push([start, capped ? cover : end]);
    cover = start;
  }
  const coarsest = tiers[tiers.length - 1]!;
  const oldest = cover !== Number.POSITIVE_INFINITY ? cover : ceilTo(lowestStart(coarsest, now, marginMs), coarsest.intervalS * 1000);
  return { segments, covered, oldest };
}

/** The chunk for [a, b) at tier i, or undefined when no call of that tier can serve it (see callFor). */
function makeChunk(tiers: readonly Tier[], i: number, domain: string, a: number, b: number, now: number, marginMs: number): Chunk | undefined {
  const call = callFor(tiers, i, a, b, now, marginMs);
  return call ? { id: chunkId(domain, tiers[i]!.intervalS, a, b), domain, intervalS: tiers[i]!.intervalS, start: a, end: b, ...call } : undefined;
}

/**
 * The call for [a, b) at tier i: a span that selects tier i and starts within its planned history;
 * undefined when no such call fits between that horizon and now.
 */
function callFor(tiers: readonly Tier[], i: number, a: number, b: number, now: number, marginMs: number): { callStart: number; callEnd: number } | undefined {
  const tier = tiers[i]!;
  const g = tier.intervalS * 1000;
  const finer = tiers[i - 1];
  // The smallest span on this grid that selects tier i: above the finer tier's limit, and never 0.
  const minSpan = finer ? floorTo(finer.maxSpanMs, g) + g : g;
  let callStart = a;
  let callEnd = b - g;
  if (callEnd - callStart < minSpan) {
    if (a + minSpan <= now) {
      callEnd = a + minSpan;
    } else {
      callEnd = floorTo(now, g);
      callStart = callEnd - minSpan;
      if (callStart > a || callEnd < b - g) return undefined;
    }
  }
  if (callStart < lowestStart(tier, now, marginMs) || callEnd > now) return undefined;
  return { callStart, callEnd };
}

/** [start, end) cut at every multiple of `step` (epoch-aligned). */
function splitOnGrid(start: number, end: number, step: number): [number, number][] {
  const parts: [number, number][] = [];
  for (let a = start; a < end; ) {
    const b = Math.min(end, floorTo(a, step) + step);
    parts.push([a, b]);
    a = b;
  }
  return parts;
}

/** The parts of [from, to) outside every covered interval, oldest first. */
function uncovered(from: number, to: number, covered: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...covered].sort((x, y) => x[0] - y[0]);
  const gaps: [number, number][] = [];
  let at = from;
  for (const [s, e] of sorted) {
    if (e <= at) continue;
    if (s >= to) break;
    if (s > at) gaps.push([at, s]);
    at = Math.max(at, e);
  }
  if (at < to) gaps.push([at, to]);
  return gaps;
}

function floorTo(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
