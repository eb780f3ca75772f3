/**
 * Sync passes as pure range arithmetic: each domain's watermark -> the range one pass fetches -> the backfill
 * planner's chunks; and, once the pass has ended, how far each watermark may advance. `now` is a parameter.
 *
 * A watermark W is an instant (epoch ms, exclusive): every slot that ends at or before W is archived with its
 * final value, or can no longer be had from the API at all. It only ever moves forward, and only over slots that
 * a pass loaded (or found empty) AND that were final when the pass was planned, so a provisional value is always
 * fetched again by a later pass.
 *
 * A pass fetches [max(floor, W - lookback) floored to the coarsest tier's grid, end of the newest published
 * 1-minute slot): the trailing window is re-read whatever the watermark says (late revisions beyond the documented
 * window are overwritten too), flooring to the coarsest grid keeps a coarse slot that straddles W wholly inside
 * the range (the planner rounds inward), and costs no extra call because 1-minute chunks are cut on whole hours
 * anyway. A sync that was down longer than a tier's horizon gets the planner's coarser tiers for the old part.
 *
 * Two modes per domain, because the trailing window is what makes a pass expensive (about 2 calls per domain per
 * pass, 24 per domain-hour at a 5-minute period, where archiving 1-minute data needs 1):
 * - `fresh` (the default, the behaviour above): the newest published slots on every pass, re-read until final.
 * - `archive`: each block of the finest tier (an hour of 1-minute data, one call) is fetched once, after it is
 *   final: [max(floor, W) floored to the coarsest grid, the end of the newest block that has been final for the
 *   domain's phase). The phase (0 to 59 minutes, a stable hash of the name) spreads the domains over the hour, so a
 *   pass at a 5-minute period fetches about a twelfth of them, never every domain's hour at once. No lookback: what
 *   it fetches is final already. The watermark rule is the same, so it moves a whole hour at a time.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TIERS, tierByInterval, type Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Chunk, UnavailableRange } from '../core/model.js';
import { DEFAULT_MARGIN_MS, planBackfill } from '../plan/plan-backfill.js';

/** What is stored per domain. */
export interface DomainWatermark {
  /** Epoch ms, exclusive: everything before it is archived final (or gone from the API). */
  readonly watermark: number;
  /** Epoch ms: the first slot this domain wants (`--since`, or when it was first synced); nothing earlier is loaded. */
  readonly floor: number;
  /** Epoch ms of the last change. */
  readonly updatedAt: number;
}

/** One domain's share of a pass. */
export interface DomainPassRange {
  readonly domain: string;
  /** The watermark when the pass was planned. */
  readonly watermark: number;
  readonly floor: number;
  /** What the planner was asked for: [from, to). Equal bounds when there is nothing to fetch yet. */
  readonly from: number;
  readonly to: number;
}

/** A stretch that a pass could only get at a coarser resolution than the finest tier. */
export interface CoarseRange {
  readonly domain: string;
  readonly intervalS: number;
  readonly start: number;
  readonly end: number;
}

export interface SyncPassPlan {
  readonly ranges: DomainPassRange[];
  readonly chunks: Chunk[];
  readonly unavailable: UnavailableRange[];
  readonly coarse: CoarseRange[];
}

/** How a domain is synced: see the file header. */
export type SyncMode = 'archive' | 'fresh';
export const SYNC_MODES: readonly SyncMode[] = ['archive', 'fresh'];
export const DEFAULT_SYNC_MODE: SyncMode = 'fresh';

export interface SyncPassInput {
  /** Validated, lower-cased domains; each must have a watermark (see initialWatermark). */
  readonly domains: readonly string[];
  readonly watermarks: ReadonlyMap<string, DomainWatermark>;
  readonly now: number;
  /** The trailing window of fresh domains; archive domains have none. */
  readonly lookbackMs: number;
  /** Default DEFAULT_SYNC_MODE. */
  readonly mode?: SyncMode | undefined;
  /** Domains synced fresh whatever `mode` says (`--fresh-domains`). */
  readonly freshDomains?: readonly string[] | undefined;
  readonly tiers?: readonly Tier[] | undefined;
  readonly marginMs?: number | undefined;
}

/** Default trailing window: the 1-minute tier's data delay plus its revision window (30 minutes by default). */
export function defaultLookbackMs(tiers: readonly Tier[] = DEFAULT_TIERS): number {
  const finest = tiers[0]!;
  return Math.max(30 * 60_000, finest.delayMs + finest.revisionMs);
}

/**
 * The watermark of a domain synced for the first time: `since` when given, else now (floored to the finest
 * grid): nothing before it is wanted.
 *
 * @example initialWatermark(Date.UTC(2026, 0, 1, 12, 0, 30), undefined, 0) // { watermark: 12:00, floor: 12:00, ... }
 */
export function initialWatermark(now: number, since: number | undefined, updatedAt: number, tiers: readonly Tier[] = DEFAULT_TIERS): DomainWatermark {
  const start = since ?? floorTo(now, tiers[0]!.intervalS * 1000);
  return { watermark: start, floor: start, updatedAt };
}

/**
 * Plans one pass: per domain the range to fetch and the planner's chunks for it.
 *
 * @example
 * planSyncPass({ domains: ['a.com'], watermarks: new Map([['a.com', { watermark: T, floor: 0, updatedAt: 0 }]]),
 *   now: T + 60 * 60_000, lookbackMs: 30 * 60_000 })
 * // one range [T - 30 min floored to the hour, now - 5 min) and its 1-minute chunks
 * @throws InvalidArgumentError for a domain without a watermark, a negative lookback or a bad tier table.
 */
export function planSyncPass(input: SyncPassInput): SyncPassPlan {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  if (!Number.isSafeInteger(input.lookbackMs) || input.lookbackMs < 0) throw new InvalidArgumentError('must be a non-negative duration', '--lookback');
  const finest = tiers[0]!;
  const coarsestMs = tiers[tiers.length - 1]!.intervalS * 1000;
  const published = floorTo(input.now - finest.delayMs, finest.intervalS * 1000);
  const fresh = new Set(input.freshDomains ?? []);
  const archiveAll = (input.mode ?? DEFAULT_SYNC_MODE) === 'archive';
  const ranges: DomainPassRange[] = [];
  const chunks: Chunk[] = [];
  const unavailable: UnavailableRange[] = [];
  for (const domain of input.domains) {
    const wm = input.watermarks.get(domain);
    if (!wm) throw new InvalidArgumentError(`no watermark for ${domain}`, '--domains');
    const archive = archiveAll && !fresh.has(domain);
    const { from, to } = archive
      ? archivePassRange(wm, input.now, archivePhaseMs(domain, tiers), tiers)
      : { from: Math.max(wm.floor, floorTo(wm.watermark - input.lookbackMs, coarsestMs)), to: published };
    if (from >= to) {
      ranges.push({ domain, watermark: wm.watermark, floor: wm.floor, from: to, to });
      continue;
    }
    ranges.push({ domain, watermark: wm.watermark, floor: wm.floor, from, to });
    const plan = planBackfill({ domains: [domain], from, to, now: input.now, tiers, marginMs });
    chunks.push(...plan.chunks);
    unavailable.push(...plan.unavailable);
  }
  return { ranges, chunks, unavailable, coarse: coarseRanges(chunks, tiers) };
}

/**
 * The domain's archive phase: how long after its block is final an archive-mode domain fetches it, in whole slots
 * of the finest tier within one block (0 to 59 minutes by default). Stable: a hash of the name.
 */
export function archivePhaseMs(domain: string, tiers: readonly Tier[] = DEFAULT_TIERS): number {
  const finest = tiers[0]!;
  const slotMs = finest.intervalS * 1000;
  const slots = finest.maxSpanMs / slotMs;
  return (createHash('sha256').update(domain, 'utf8').digest().readUInt32BE(0) % slots) * slotMs;
}

/**
 * The end of the newest block of the finest tier (whole hours for 1-minute data) that an archive-mode domain with
 * phase `phaseMs` fetches at `now`: final (delay + revision after its end) for at least the phase.
 *
 * @example archiveEnd(14:35, 5 * 60_000) // 13:00 (13:00 + 30 min + 5 min <= 14:35)
 */
export function archiveEnd(now: number, phaseMs: number, tiers: readonly Tier[] = DEFAULT_TIERS): number {
  const finest = tiers[0]!;
  return floorTo(now - finest.delayMs - finest.revisionMs - phaseMs, finest.maxSpanMs);
}

/**
 * The range an archive-mode pass fetches for one domain: from its watermark (floored to the coarsest grid, never
 * before its floor) to the end of its newest block final for its phase. Shared with the schedule simulation.
 */
export function archivePassRange(wm: DomainWatermark, now: number, phaseMs: number, tiers: readonly Tier[] = DEFAULT_TIERS): { from: number; to: number } {
  const finest = tiers[0]!;
  const published = floorTo(now - finest.delayMs, finest.intervalS * 1000);
  return {
    from: Math.max(wm.floor, floorTo(wm.watermark, tiers[tiers.length - 1]!.intervalS * 1000)),
    to: Math.min(published, archiveEnd(now, phaseMs, tiers)),
  };
}

/** Chunks coarser than the finest tier, merged per domain and interval into contiguous ranges. */
export function coarseRanges(chunks: readonly Chunk[], tiers: readonly Tier[] = DEFAULT_TIERS): CoarseRange[] {
  const finestS = tiers[0]!.intervalS;
  const sorted = chunks
    .filter((c) => c.intervalS > finestS)
    .slice()
    .sort((a, b) => cmp(a.domain, b.domain) || a.intervalS - b.intervalS || a.start - b.start);
  const out: CoarseRange[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last.domain === c.domain && last.intervalS === c.intervalS && last.end >= c.start) {
      out[out.length - 1] = { ...last, end: Math.max(last.end, c.end) };
    } else {
      out.push({ domain: c.domain, intervalS: c.intervalS, start: c.start, end: c.end });
    }
  }
  return out;
}

/** How a chunk of the pass ended: `ok` = loaded or empty; anything else holds the watermark back. */
export interface ChunkResult {
  readonly chunk: Chunk;
  readonly ok: boolean;
}

export interface AdvanceInput {
  readonly range: DomainPassRange;
  /** Every chunk the pass ended with for this domain (re-planned replacements included). */
  readonly results: readonly ChunkResult[];
  readonly unavailable: readonly UnavailableRange[];
  /** The `now` the pass was planned with: slots final then were final when fetched. */
  readonly now: number;
  readonly tiers?: readonly Tier[] | undefined;
}

/**
 * The new watermark of one domain after a pass: the end of the contiguous stretch from the old watermark that is
 * settled, i.e. covered by the final slots of chunks that ended loaded or empty, or by parts beyond every horizon.
 * A failed or unfinished chunk, a provisional slot or a part not yet published stops it. Never moves backwards.
 *
 * @example advanceWatermark({ range, results: [{ chunk: c10to11, ok: true }], unavailable: [], now }) // 11:00 if final
 */
export function advanceWatermark(input: AdvanceInput): number {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const { range } = input;
  const settled: [number, number][] = [];
  for (const r of input.results) {
    if (!r.ok || r.chunk.domain !== range.domain) continue;
    const tier = tierByInterval(tiers, r.chunk.intervalS);
    if (!tier) continue;
    const finalEnd = floorTo(input.now - tier.delayMs - tier.revisionMs, tier.intervalS * 1000);
    const end = Math.min(r.chunk.end, finalEnd);
    if (end > r.chunk.start) settled.push([r.chunk.start, end]);
  }
  for (const u of input.unavailable) {
    if (u.domain === range.domain && u.reason === 'beyond-horizon') settled.push([u.start, u.end]);
  }
  settled.sort((a, b) => a[0] - b[0]);
  let cursor = range.watermark;
  // A pass starting at the domain's floor may begin off a coarse tier's grid: the planner rounds that partial
  // slot away, and no later pass can ever fetch it, so it must not hold the watermark back forever.
  const first = settled[0];
  if (range.from === range.floor && first && first[0] > cursor && cursor >= range.from) {
    const firstTier = input.results.find((r) => r.chunk.start === first[0])?.chunk.intervalS;
    if (firstTier !== undefined && first[0] - cursor < firstTier * 1000) cursor = first[0];
  }
  for (const [a, b] of settled) {
    if (a > cursor) break;
    cursor = Math.max(cursor, b);
  }
  return Math.max(range.watermark, cursor);
}

function floorTo(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
