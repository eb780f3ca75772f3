/**
 * The archive-mode sync scheduler on a virtual clock, to prove what no test on a real clock can: that every slot
 * of the finest tier is archived before the API drops it, for up to the account's limit of domains, and how fresh
 * the watermarks stay. Pure and deterministic: no timers, no I/O, `start` is a parameter.
 *
 * What it runs is the sync's own arithmetic (sync-plan.ts: archivePhaseMs, archivePassRange), around a model of
 * the rest:
 * - passes start on the schedule's ticks (every `everyMs` from `start`, as BullMQ's `every` emits them) and never
 *   overlap: a pass that overran its tick starts the moment the previous one ends;
 * - each pass plans every domain's range at its start, cuts it on the finest tier's block grid (the planner's
 *   1-minute chunks are whole hours) and makes its calls back to back at `callsPerSecond`, domain by domain in
 *   selection order; call i of a pass is made at passStart + i / rate and the pass ends after its last call;
 * - every call succeeds; watermarks move when the pass ends, over what it fetched (all of it final by construction);
 * - a block is `expired` when the planner would no longer plan it at the finest tier (its start is within the
 *   margin of the horizon when the pass is planned) or when its call is made after the horizon.
 * The freshness lag is now - watermark, sampled for every domain at every pass start (the moment it is largest).
 */
import { DEFAULT_TIERS } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_MARGIN_MS, type PlanBackfillInput } from '../plan/plan-backfill.js';
import { archiveEnd, archivePassRange, archivePhaseMs } from './sync-plan.js';

export interface ScheduleSimInput extends Pick<PlanBackfillInput, 'tiers' | 'marginMs'> {
  /** Validated domain names, in selection order (their phases come from the names). */
  readonly domains: readonly string[];
  /** Epoch ms: every domain's first slot (watermark and floor), and the first tick. */
  readonly start: number;
  readonly durationMs: number;
  readonly callsPerSecond: number;
  readonly everyMs: number;
}

export interface LagFigures {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface ScheduleSimResult {
  readonly passes: number;
  readonly calls: number;
  /** Blocks fetched at the finest tier before their horizon. */
  readonly archivedBlocks: number;
  /** Blocks planned or fetched too late for the finest tier. */
  readonly expiredBlocks: number;
  /** Blocks that did not start where the domain's previous block ended (a gap or a second fetch). */
  readonly outOfOrderBlocks: number;
  /** Blocks fetched before they were final. */
  readonly provisionalBlocks: number;
  /** Blocks due at the last pass (final for their domain's phase) that no pass fetched. */
  readonly missedBlocks: number;
  /** Per domain (selection order): the watermark after the last pass. */
  readonly watermarks: readonly number[];
  readonly lastPassStart: number;
  readonly lag: LagFigures;
  readonly passMs: LagFigures;
  /** Calls made in the busiest pass. */
  readonly maxCallsPerPass: number;
}

const LAG_BUCKET_MS = 60_000;

/**
 * @example
 * simulateArchiveSchedule({ domains: names(36_000), start, durationMs: 8 * DAY, callsPerSecond: 10, everyMs: 300_000 })
 * // { archivedBlocks: ..., expiredBlocks: 0, missedBlocks: 0, lag: { p50Ms, p95Ms, maxMs }, ... }
 * @throws InvalidArgumentError for a start off the block grid, a non-positive rate, period or duration.
 */
export function simulateArchiveSchedule(input: ScheduleSimInput): ScheduleSimResult {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  const finest = tiers[0]!;
  const blockMs = finest.maxSpanMs;
  const finalAfterMs = finest.delayMs + finest.revisionMs;
  const { start, everyMs, callsPerSecond: rate } = input;
  if (start % blockMs !== 0) throw new InvalidArgumentError('the simulation starts on the block grid (a whole hour)');
  if (!(rate > 0) || !(everyMs > 0) || !(input.durationMs > 0)) throw new InvalidArgumentError('rate, period and duration must be positive');
  const end = start + input.durationMs;
  const n = input.domains.length;
  const phase = input.domains.map((d) => archivePhaseMs(d, tiers));
  const watermark = new Float64Array(n).fill(start);
  const lastEnd = new Float64Array(n).fill(start);
  const next = new Float64Array(n);
  const lagBuckets = new Float64Array(Math.ceil(finest.historyMs * 2 / LAG_BUCKET_MS) + 2);
  let lagMax = 0;
  const passDurations: number[] = [];

  let passes = 0;
  let calls = 0;
  let archivedBlocks = 0;
  let expiredBlocks = 0;
  let outOfOrderBlocks = 0;
  let provisionalBlocks = 0;
  let maxCallsPerPass = 0;
  let tick = start;
  let previousEnd = start;
  let lastPassStart = start;
  const msPerCall = 1000 / rate;

  while (true) {
    const passStart = Math.max(tick, previousEnd);
    if (passStart >= end) break;
    lastPassStart = passStart;
    passes++;
    for (let d = 0; d < n; d++) {
      const lag = passStart - watermark[d]!;
      if (lag > lagMax) lagMax = lag;
      lagBuckets[Math.min(lagBuckets.length - 1, Math.floor(lag / LAG_BUCKET_MS))]!++;
    }
    const oldestFinest = passStart - finest.historyMs + marginMs;
    let i = 0;
    for (let d = 0; d < n; d++) {
      const wm = watermark[d]!;
      const { from, to } = archivePassRange({ watermark: wm, floor: start, updatedAt: 0 }, passStart, phase[d]!, tiers);
      next[d] = wm;
      if (from >= to) continue;
      for (let a = from; a < to; ) {
        const b = Math.min(to, Math.floor(a / blockMs) * blockMs + blockMs);
        const at = passStart + i * msPerCall;
        i++;
        if (a < oldestFinest || at > a + finest.historyMs) expiredBlocks++;
        else archivedBlocks++;
        if (a !== lastEnd[d]) outOfOrderBlocks++;
        if (b + finalAfterMs > passStart) provisionalBlocks++;
        lastEnd[d] = b;
        a = b;
      }
      next[d] = Math.max(wm, to);
    }
    const passEnd = passStart + i * msPerCall;
    watermark.set(next);
    calls += i;
    if (i > maxCallsPerPass) maxCallsPerPass = i;
    passDurations.push(passEnd - passStart);
    previousEnd = passEnd;
    while (tick <= passStart) tick += everyMs;
  }

  let missedBlocks = 0;
  for (let d = 0; d < n; d++) {
    const due = archiveEnd(lastPassStart, phase[d]!, tiers);
    if (due > watermark[d]!) missedBlocks += Math.ceil((due - watermark[d]!) / blockMs);
  }
  return {
    passes,
    calls,
    archivedBlocks,
    expiredBlocks,
    outOfOrderBlocks,
    provisionalBlocks,
    missedBlocks,
    watermarks: [...watermark],
    lastPassStart,
    lag: { ...percentilesOfBuckets(lagBuckets, LAG_BUCKET_MS), maxMs: lagMax },
    passMs: percentilesOfList(passDurations),
    maxCallsPerPass,
  };
}

/** p50 and p95 of a histogram of `bucketMs` buckets, as the upper edge of the bucket they fall in. */
function percentilesOfBuckets(buckets: Float64Array, bucketMs: number): { p50Ms: number; p95Ms: number } {
  const total = buckets.reduce((s, c) => s + c, 0);
  const at = (q: number): number => {
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let i = 0; i < buckets.length; i++) {
      seen += buckets[i]!;
      if (seen >= rank) return (i + 1) * bucketMs;
    }
    return buckets.length * bucketMs;
  };
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}

function percentilesOfList(values: readonly number[]): LagFigures {
  if (values.length === 0) return { p50Ms: 0, p95Ms: 0, maxMs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50Ms: pick(0.5), p95Ms: pick(0.95), maxMs: sorted[sorted.length - 1]! };
}
