/**
 * Missing slots as ranges, by pure interval arithmetic over the slots an archive holds. Pure.
 *
 * The expected slots are those of the `gridS` grid wholly inside [from, to) (bounds off the grid rounded inward,
 * as the backfill does); a slot of any length covers [ts, ts + intervalS). The answer is the part of the expected
 * span that no present slot covers, as maximal half-open ranges, oldest first: a missing week of 1-minute data is
 * one range, not 10,080 minutes.
 */

/** A slot held by the archive. */
export interface PresentSlot {
  /** Slot start, epoch ms. */
  readonly ts: number;
  readonly intervalS: number;
}

/** A missing stretch [start, end), on the grid. */
export interface GapRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The ranges of [from, to) that no present slot covers, on the `gridS` grid.
 *
 * @example
 * findGaps([{ ts: 0, intervalS: 60 }, { ts: 180_000, intervalS: 60 }], 0, 300_000, 60)
 * // -> [{ start: 60_000, end: 180_000 }, { start: 240_000, end: 300_000 }]
 */
export function findGaps(present: Iterable<PresentSlot>, from: number, to: number, gridS: number): GapRange[] {
  const g = gridS * 1000;
  const lo = Math.ceil(from / g) * g;
  const hi = Math.floor(to / g) * g;
  if (!(hi > lo)) return [];
  const raw: GapRange[] = [];
  for (const s of present) raw.push({ start: s.ts, end: s.ts + s.intervalS * 1000 });
  const gaps: GapRange[] = [];
  let cursor = lo;
  // Merged first, then rounded inward to the grid: a grid step only partly covered still counts as missing.
  for (const r of mergeGaps(raw)) {
    const a = Math.max(lo, Math.ceil(r.start / g) * g);
    const b = Math.min(hi, Math.floor(r.end / g) * g);
    if (b <= a) continue;
    if (a > cursor) gaps.push({ start: cursor, end: a });
    cursor = Math.max(cursor, b);
  }
  if (hi > cursor) gaps.push({ start: cursor, end: hi });
  return mergeGaps(gaps);
}

/** Joins touching or overlapping ranges; input in any order, output oldest first. */
export function mergeGaps(ranges: readonly GapRange[]): GapRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: GapRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** Whole grid slots in a range. */
export function slotCount(range: GapRange, gridS: number): number {
  return Math.round((range.end - range.start) / (gridS * 1000));
}
