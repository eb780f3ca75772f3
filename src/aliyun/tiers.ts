/**
 * The API's granularity tiers as data. The span of ONE call alone picks its granularity, and each
 * granularity exists only for a while. Pure: `now` is always a parameter.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Tier {
  /** Slot length in seconds (the API's DataInterval). */
  readonly intervalS: number;
  /** The widest call span (end - start, ms) that still returns this granularity. */
  readonly maxSpanMs: number;
  /** How far back (ms before now) a call may start and still get this granularity. */
  readonly historyMs: number;
  /** How long after a slot ends before the API first returns it (ms). */
  readonly delayMs: number;
  /**
   * After first appearing, a slot is provisional (revised upward) for this long (ms).
   * A slot is final once now >= slot end + delayMs + revisionMs.
   */
  readonly revisionMs: number;
}

/** The current documentation's table (API-NOTES.md), finest first. */
export const DEFAULT_TIERS: readonly Tier[] = Object.freeze([
  { intervalS: 60, maxSpanMs: HOUR, historyMs: 7 * DAY, delayMs: 5 * MINUTE, revisionMs: 25 * MINUTE },
  { intervalS: 300, maxSpanMs: 3 * DAY, historyMs: 93 * DAY, delayMs: 15 * MINUTE, revisionMs: 45 * MINUTE },
  { intervalS: 3600, maxSpanMs: 31 * DAY, historyMs: 186 * DAY, delayMs: 4 * HOUR, revisionMs: 2 * HOUR },
]);

/** The tier a call spanning [start, end] gets, or undefined when the span is wider than any tier allows. */
export function tierForSpan(tiers: readonly Tier[], spanMs: number): Tier | undefined {
  if (!(spanMs > 0)) return undefined;
  return tiers.find((t) => spanMs <= t.maxSpanMs);
}

/** The tier with this interval, if the table has one. */
export function tierByInterval(tiers: readonly Tier[], intervalS: number): Tier | undefined {
  return tiers.find((t) => t.intervalS === intervalS);
}

/** The oldest call start (epoch ms) that still gets `tier`'s data at `now`. */
export function horizonStart(tier: Tier, now: number): number {
  return now - tier.historyMs;
}

export interface CallVerdict {
  /** The granularity the API answers with; undefined when the span is too wide for every tier. */
  readonly tier: Tier | undefined;
  /** Whether the API still has that granularity for a call starting at `start`. */
  readonly available: boolean;
}

/** What the API does with a call over [start, end] at `now`: which granularity, and whether it still exists. */
export function describeCall(tiers: readonly Tier[], start: number, end: number, now: number): CallVerdict {
  const tier = tierForSpan(tiers, end - start);
  if (!tier) return { tier, available: false };
  return { tier, available: start >= horizonStart(tier, now) };
}

/** Whether a slot of `tier` starting at `slotStart` is final (no longer revised) at `now`. */
export function isSlotFinal(tier: Tier, slotStart: number, now: number): boolean {
  return slotStart + tier.intervalS * 1000 + tier.delayMs + tier.revisionMs <= now;
}

/**
 * Validates a user-supplied tier table: finest first, strictly growing intervals, spans and
 * histories, every span a whole number of slots. Returns the problem, or undefined when sound.
 */
export function validateTiers(tiers: readonly Tier[]): string | undefined {
  if (tiers.length === 0) return 'the tier table is empty';
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i]!;
    const values = [t.intervalS, t.maxSpanMs, t.historyMs, t.delayMs, t.revisionMs];
    if (values.some((v) => !Number.isSafeInteger(v) || v < 0) || t.intervalS === 0 || t.maxSpanMs === 0) {
      return `tier ${i}: every field must be a non-negative integer, interval and span positive`;
    }
    if (t.maxSpanMs % (t.intervalS * 1000) !== 0) return `tier ${i}: span is not a whole number of slots`;
    const prev = tiers[i - 1];
    if (prev && !(t.intervalS > prev.intervalS && t.maxSpanMs > prev.maxSpanMs && t.historyMs >= prev.historyMs)) {
      return `tier ${i}: tiers must be ordered finest first with growing spans and histories`;
    }
  }
  return undefined;
}
