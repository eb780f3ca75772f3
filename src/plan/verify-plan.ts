/**
 * `verify`, the trust audit, pure part: which archived slots can be checked against the API, which sample of them,
 * the calls that re-fetch them at their stored resolution, and the drift between the two. `now` is a parameter.
 *
 * A slot is checkable when it is final in the archive (fetched after the API stopped revising it, per its tier)
 * and the API still holds its resolution (its call starts after the tier's horizon, with a margin, as the planner
 * keeps). A call's span selects the granularity, so each call is sized to return exactly the stored resolution.
 */
import { DEFAULT_TIERS, tierByInterval, type Tier } from '../aliyun/tiers.js';

const HOUR = 3_600_000;
/** Kept inside each horizon: it moves while a run lasts. */
export const HORIZON_MARGIN_MS = HOUR;

export interface ArchivedSlot {
  readonly ts: number;
  readonly intervalS: number;
  readonly value: number;
  readonly fetchedAt: number;
}

export interface VerifyCall {
  readonly intervalS: number;
  /** Call bounds, epoch ms; the API treats the end as inclusive. */
  readonly start: number;
  readonly end: number;
  /** The sampled slots this call checks. */
  readonly slots: readonly ArchivedSlot[];
}

/** The span of a call that gets `tier`'s granularity: the tier's widest, so a few calls cover a whole range. */
function callSpan(tier: Tier): number {
  return tier.maxSpanMs;
}

/** Whether the archive's value of `slot` is final and the API still holds the slot at its resolution. */
export function isCheckable(slot: ArchivedSlot, now: number, tiers: readonly Tier[] = DEFAULT_TIERS): boolean {
  const tier = tierByInterval(tiers, slot.intervalS);
  if (!tier) return false;
  const finalAt = slot.ts + tier.intervalS * 1000 + tier.delayMs + tier.revisionMs;
  if (slot.fetchedAt < finalAt || now < finalAt) return false;
  const start = callWindow(slot, tier, now).start;
  return start >= now - tier.historyMs + HORIZON_MARGIN_MS;
}

/** The call window around a slot: starts at the slot, unless that would end in the future. */
function callWindow(slot: ArchivedSlot, tier: Tier, now: number): { start: number; end: number } {
  const span = callSpan(tier);
  const slotMs = tier.intervalS * 1000;
  const latestEnd = Math.floor((now - tier.delayMs) / slotMs) * slotMs;
  const start = Math.min(slot.ts, latestEnd - span);
  return { start, end: start + span };
}

/**
 * `n` slots spread evenly over the checkable ones (all of them when `n` is undefined), in (interval, ts) order.
 *
 * @example sampleSlots(slots, 3) // the first, the middle and the last third's first
 */
export function sampleSlots(checkable: readonly ArchivedSlot[], n: number | undefined): ArchivedSlot[] {
  const sorted = [...checkable].sort((a, b) => a.intervalS - b.intervalS || a.ts - b.ts);
  if (n === undefined || n >= sorted.length) return sorted;
  return Array.from({ length: n }, (_, k) => sorted[Math.floor((k * sorted.length) / n)]!);
}

/** The calls that re-fetch `slots`: one window per run of slots that fit in it, per resolution. */
export function planVerifyCalls(slots: readonly ArchivedSlot[], now: number, tiers: readonly Tier[] = DEFAULT_TIERS): VerifyCall[] {
  const calls: VerifyCall[] = [];
  const sorted = [...slots].sort((a, b) => a.intervalS - b.intervalS || a.ts - b.ts);
  let current: { intervalS: number; start: number; end: number; slots: ArchivedSlot[] } | undefined;
  for (const slot of sorted) {
    const tier = tierByInterval(tiers, slot.intervalS)!;
    if (current && current.intervalS === slot.intervalS && slot.ts >= current.start && slot.ts + tier.intervalS * 1000 <= current.end) {
      current.slots.push(slot);
      continue;
    }
    if (current) calls.push(current);
    const w = callWindow(slot, tier, now);
    current = { intervalS: slot.intervalS, start: w.start, end: w.end, slots: [slot] };
  }
  if (current) calls.push(current);
  return calls;
}

export type SlotVerdict = 'match' | 'mismatch' | 'absent';

export interface SlotCheck {
  readonly slot: ArchivedSlot;
  readonly verdict: SlotVerdict;
  /** The API's value now; undefined when it did not return the slot. */
  readonly apiValue: number | undefined;
}

/** Compares each archived slot with the API's answer (ts -> value) at the same resolution. */
export function compareSlots(slots: readonly ArchivedSlot[], api: ReadonlyMap<number, number>): SlotCheck[] {
  return slots.map((slot) => {
    const apiValue = api.get(slot.ts);
    if (apiValue === undefined) return { slot, verdict: 'absent' as const, apiValue };
    return { slot, verdict: apiValue === slot.value ? ('match' as const) : ('mismatch' as const), apiValue };
  });
}

export interface DriftRow {
  readonly domain: string;
  readonly intervalS: number;
  readonly checked: number;
  readonly matched: number;
  readonly mismatched: number;
  readonly absent: number;
  /** Largest |api - archived| among mismatches, in the API's unit. */
  readonly maxDrift: number;
}

/** One row per (domain, resolution) with checks. */
export function driftTable(domain: string, checks: readonly SlotCheck[]): DriftRow[] {
  const by = new Map<number, SlotCheck[]>();
  for (const c of checks) by.set(c.slot.intervalS, [...(by.get(c.slot.intervalS) ?? []), c]);
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalS, list]) => ({
      domain,
      intervalS,
      checked: list.length,
      matched: list.filter((c) => c.verdict === 'match').length,
      mismatched: list.filter((c) => c.verdict === 'mismatch').length,
      absent: list.filter((c) => c.verdict === 'absent').length,
      maxDrift: list.reduce((a, c) => (c.verdict === 'mismatch' ? Math.max(a, Math.abs(c.apiValue! - c.slot.value)) : a), 0),
    }));
}

