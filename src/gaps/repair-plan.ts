/**
 * `gaps --repair` as a plan: the missing ranges -> the backfill chunks that refill them at the finest resolution the
 * API still holds, plus the parts it no longer holds (or does not publish yet). Pure: `now` is a parameter.
 *
 * Each gap is widened to the coarsest tier's grid (whole hours) before planning, because the planner rounds a range
 * inward to each tier's grid: a 20-minute hole of 9 days ago can only be refilled by the 5-minute slots around it,
 * and a hole in hourly data only by whole hours. Widening costs no extra call (1-minute chunks are whole hours
 * anyway) and re-writes the neighbouring slots with the same final values, which the table's DEDUP makes harmless.
 */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import type { Chunk, UnavailableRange } from '../core/model.js';
import { planBackfill } from '../plan/plan-backfill.js';
import { mergeGaps, type GapRange } from './find-gaps.js';

export interface DomainGaps {
  readonly domain: string;
  readonly gaps: readonly GapRange[];
}

export interface RepairPlan {
  readonly chunks: Chunk[];
  /** Parts of the gaps no call can refill now, clipped to the gaps. */
  readonly unavailable: UnavailableRange[];
}

/**
 * @example planRepair([{ domain: 'a.com', gaps: [{ start: t, end: t + 600_000 }] }], now)
 * // { chunks: [the hour around t at 60 s], unavailable: [] } for a recent t
 */
export function planRepair(input: readonly DomainGaps[], now: number, tiers: readonly Tier[] = DEFAULT_TIERS, marginMs?: number): RepairPlan {
  const g = tiers[tiers.length - 1]!.intervalS * 1000;
  const chunks = new Map<string, Chunk>();
  const unavailable: UnavailableRange[] = [];
  for (const { domain, gaps } of input) {
    if (gaps.length === 0) continue;
    const widened = mergeGaps(gaps.map((r) => ({ start: Math.floor(r.start / g) * g, end: Math.ceil(r.end / g) * g })));
    for (const w of widened) {
      const plan = planBackfill({ domains: [domain], from: w.start, to: w.end, now, tiers, marginMs });
      for (const c of plan.chunks) {
        if (gaps.some((r) => c.start < r.end && r.start < c.end)) chunks.set(c.id, c);
      }
      for (const u of plan.unavailable) {
        for (const r of gaps) {
          const start = Math.max(u.start, r.start);
          const end = Math.min(u.end, r.end);
          if (end > start) unavailable.push({ domain: u.domain, start, end, reason: u.reason });
        }
      }
    }
  }
  return { chunks: [...chunks.values()], unavailable: unavailable.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.start - b.start)) };
}
