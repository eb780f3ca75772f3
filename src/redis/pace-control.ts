/**
 * The pacer's decisions, pure: which slot a caller gets, whether it may call now, and how the per-second limit
 * moves when the API throttles. The Lua scripts of redis-pacer.ts (pacer-reserve, pacer-confirm, pacer-throttle)
 * make exactly these decisions atomically on Redis; this module is their specification, run on a virtual clock
 * by the unit tests, and test/integration/pacer-lua.test.ts checks that both decide alike step by step.
 *
 * Why this shape: the API counts calls per account per calendar second, and refuses the rest of a second once
 * its quota is spent. So the pacer thinks in the same seconds (Redis' clock stands in for the API's: both are
 * NTP-synced servers):
 * - each second has `limit` evenly spaced slots in the first half of its first `1000 - guardMs` ms (the grant
 *   span; the other half is room for callers that wake late, and for a lone caller that finds the pacer idle:
 *   it calls at once); the last `guardMs` ms grant nothing, so a call that
 *   leaves late (a busy event loop, the network) still arrives in its own second. The guard costs no rate:
 *   `limit` calls fit in every second whatever its length;
 * - never more than `limit` grants in one second, and never more than `qps` in any sliding 1000 ms (a log of
 *   the last second's grants), so the quota holds for any alignment of the API's window;
 * - AIMD on the limit: a throttled call of second S means the account had only (granted - throttled) calls of
 *   S left for us (another program spent the rest), so the limit drops to that at once, and S grants nothing
 *   more. After `wait` full seconds without a throttle the limit goes up by `step` (a probe); a probe that holds
 *   doubles the step and resets the wait (fast recovery when the other program stops); a probe that is
 *   throttled doubles the wait up to MAX_PROBE_WAIT_S (few throttles while the quota is shared).
 */

export const US_PER_S = 1_000_000;
/**
 * 200 ms of each second grant nothing: on this busy 2-core machine event loops lag 20-60 ms at times and a stall of
 * 100+ ms is rare but seen. The rate does not depend on it (the slots of a second are spread over the rest).
 */
export const DEFAULT_GUARD_MS = 200;
/** Full, throttle-free seconds before the first probe after a throttle. */
export const PROBE_WAIT_S = 4;
/** The longest wait between probes: bounds the recovery time when a competing program stops. */
export const MAX_PROBE_WAIT_S = 16;
/** Seconds of per-second records kept (a ring); a throttle reported later than this teaches nothing. */
export const SECONDS_KEPT = 16;

export interface PaceParams {
  /** The account's quota, calls per second. */
  readonly qps: number;
  /** The end of each second in which nothing is granted, ms (0 <= guardMs < 1000). */
  readonly guardMs: number;
}

/** What the pacer knows about one second of Redis' clock. */
export interface SecondRecord {
  second: number;
  granted: number;
  throttled: number;
  /** The most grants this second may have (the limit when its first caller came, lowered by throttles). */
  limit: number;
}

/** The shared state; in Redis, the fields of one hash (`<key>:state`) plus the next-slot key. */
export interface PaceState {
  limit: number;
  step: number;
  /** Full, throttle-free seconds since the last change of limit. */
  streak: number;
  /** Seconds of streak needed for the next probe. */
  wait: number;
  probing: boolean;
  /** The first second that ran at the probed limit. */
  probeFrom: number;
  /** The last second whose record was judged. */
  evaluated: number;
  /** The earliest slot the next reservation may get, epoch microseconds. */
  nextUs: number;
  /** SECONDS_KEPT records, second % SECONDS_KEPT. */
  readonly ring: (SecondRecord | undefined)[];
  /** Grant times of the last second, ascending (the sliding log). */
  readonly log: number[];
}

/**
 * go: call now; else wait `waitUs`, then `again`: `reserve` a new slot (this second is spent or over), or
 * `confirm` the same one (the sliding second is full for a few more microseconds: a woken caller's lateness).
 */
export type ConfirmResult = { readonly grantUs: number } | { readonly waitUs: number; readonly again: 'reserve' | 'confirm' };

export function initialPaceState(params: PaceParams): PaceState {
  return { limit: params.qps, step: 1, streak: 0, wait: PROBE_WAIT_S, probing: false, probeFrom: 0, evaluated: Number.NEGATIVE_INFINITY, nextUs: 0, ring: new Array<SecondRecord | undefined>(SECONDS_KEPT).fill(undefined), log: [] };
}

/** The part of each second in which calls are granted, microseconds. */
export function grantSpanUs(params: PaceParams): number {
  return US_PER_S - params.guardMs * 1000;
}

/**
 * The part of each second over which its slots are spread, microseconds: the first half of the grant span. The
 * other half is room for late callers. It has to be wide: the sliding log makes the k-th call of a second wait
 * until 1 s after the k-th of the one before, so every late wake-up moves that call later for good, until it
 * falls off the grant span and its second is one call short (the drift starts afresh then). Spread over the whole
 * span, a late call had `span / limit` ms of room and 2-3 % of the rate went that way on a busy machine.
 */
export function gridSpanUs(params: PaceParams): number {
  return grantSpanUs(params) / 2;
}

/**
 * The first slot at or after `fromUs` when a second holds `limit` slots spread over its grid span.
 *
 * @example gridSlot({ qps: 10, guardMs: 200 }, 10, 1_000_001) // 1_040_000
 */
export function gridSlot(params: PaceParams, limit: number, fromUs: number): number {
  const second = Math.floor(fromUs / US_PER_S);
  const offset = fromUs - second * US_PER_S;
  const spacing = gridSpanUs(params) / limit;
  const k = Math.ceil(offset / spacing);
  if (k >= limit) return (second + 1) * US_PER_S;
  return second * US_PER_S + Math.ceil(k * spacing);
}

/**
 * Reserves the caller's slot; returns the wait until it, microseconds (pacer-reserve.lua).
 *
 * A caller that finds the pacer idle (no slot reserved ahead of now) past the second's grid but before its guard
 * calls at once instead of waiting up to 600 ms for the next second: a lone call (a one-chunk backfill, a sync
 * pass's first) costs no wait. Callers after it get the next second's grid as before, and confirm() keeps the
 * per-second limit and the sliding second for this grant as for any other.
 */
export function reserve(params: PaceParams, state: PaceState, nowUs: number): number {
  const slot = gridSlot(params, state.limit, Math.max(nowUs, state.nextUs));
  const second = Math.floor(nowUs / US_PER_S);
  if (state.nextUs <= nowUs && slot >= (second + 1) * US_PER_S && nowUs - second * US_PER_S < grantSpanUs(params)) {
    state.nextUs = slot;
    return 0;
  }
  state.nextUs = slot + 1;
  return slot - nowUs;
}

function record(state: PaceState, second: number): SecondRecord | undefined {
  const r = state.ring[((second % SECONDS_KEPT) + SECONDS_KEPT) % SECONDS_KEPT];
  return r && r.second === second ? r : undefined;
}

/** Judges the seconds that ended at least two seconds ago (their throttles are in): the additive increase. */
function evaluate(params: PaceParams, state: PaceState, second: number): void {
  const upTo = second - 2;
  for (let e = Math.max(state.evaluated + 1, upTo - SECONDS_KEPT + 4); e <= upTo; e++) {
    const r = record(state, e);
    if (!r || r.granted === 0 || r.throttled > 0 || r.granted < r.limit) continue;
    if (state.probing && e >= state.probeFrom) {
      state.step = Math.min(state.step * 2, params.qps);
      state.wait = PROBE_WAIT_S;
      state.probing = false;
    }
    state.streak += 1;
    if (state.streak >= state.wait && state.limit < params.qps) {
      state.limit = Math.min(params.qps, state.limit + state.step);
      state.probing = true;
      state.probeFrom = second;
      state.streak = 0;
    }
  }
  state.evaluated = Math.max(state.evaluated, upTo);
}

/** Whether the caller may call at `nowUs` (pacer-confirm.lua). */
export function confirm(params: PaceParams, state: PaceState, nowUs: number): ConfirmResult {
  const second = Math.floor(nowUs / US_PER_S);
  const nextSecond = (second + 1) * US_PER_S - nowUs;
  if (nowUs - second * US_PER_S >= grantSpanUs(params)) return { waitUs: nextSecond, again: 'reserve' };
  evaluate(params, state, second);
  let r = record(state, second);
  if (!r) {
    r = { second, granted: 0, throttled: 0, limit: state.limit };
    state.ring[second % SECONDS_KEPT] = r;
  }
  if (r.granted >= Math.min(r.limit, state.limit)) return { waitUs: nextSecond, again: 'reserve' };
  while (state.log.length > 0 && state.log[0]! <= nowUs - US_PER_S) state.log.shift();
  if (state.log.length >= params.qps) return { waitUs: state.log[0]! + US_PER_S - nowUs + 1, again: 'confirm' };
  state.log.push(nowUs);
  r.granted += 1;
  return { grantUs: nowUs };
}

/**
 * Learns from a throttled call granted at `grantUs`, reported at `nowUs` (pacer-throttle.lua): the multiplicative
 * decrease. Returns how long the caller's queue should hold back, ms: the rest of the current second, whose quota
 * is spent.
 */
export function recordThrottle(params: PaceParams, state: PaceState, grantUs: number, nowUs: number): number {
  const second = Math.floor(grantUs / US_PER_S);
  const current = Math.floor(nowUs / US_PER_S);
  state.streak = 0;
  state.step = 1;
  if (state.probing) {
    state.wait = Math.min(state.wait * 2, MAX_PROBE_WAIT_S);
    state.probing = false;
  }
  const r = current - second < SECONDS_KEPT ? record(state, second) : undefined;
  if (r) {
    r.throttled += 1;
    const left = Math.max(1, r.granted - r.throttled);
    if (left < state.limit) state.limit = left;
    if (second === current) r.limit = Math.min(r.limit, r.granted);
  }
  return Math.ceil(((current + 1) * US_PER_S - nowUs) / 1000);
}
