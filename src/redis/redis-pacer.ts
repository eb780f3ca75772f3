/**
 * Global call pacing across every worker process, aligned to the API's quota window (calls per account per
 * calendar second) and adapting to what is left of it. Three Lua scripts on Redis' clock, each the atomic form of
 * one decision of pace-control.ts (the specification, with the reasons):
 * 1. reserve: one key holds the next free slot of a per-second grid (`limit` slots spread over the first half of
 *    the 1000 - guardMs ms of each second in which calls are granted; the other half is room for late callers);
 *    each caller gets its own slot and sleeps until then (even pacing, no stampede of waiting workers); a caller
 *    that finds the pacer idle past the grid calls at once rather than wait for the next second;
 * 2. confirm: at its slot the caller may call only if its second has granted fewer than `limit`, the second's
 *    guard has not begun, and fewer than qps grants are logged in the last 1000 ms; otherwise it waits and
 *    reserves again (or, for the sliding log, confirms again a moment later). A caller that woke late is logged
 *    at its real time and cannot bunch up with the next one;
 * 3. throttle: a throttled call teaches the pacer how much of that second was left for it (another program on
 *    the account spends the rest): the limit drops to that and probes upwards again after full seconds without
 *    a throttle (AIMD).
 *
 * Why not BullMQ's limiter: it counts job starts per fixed window, so `{max: qps, duration: 1000}` bursts at the
 * start of each window, and a job start is not an API call (remembered chunks make none). The previous pacer
 * spaced calls (1000 + 50) / qps ms apart on a sliding log: never throttled alone, but capped at 95.2 % of the
 * quota by construction and blind to other programs on the account (30 % of its calls throttled beside one).
 *
 * Every grant is also written to a bounded stream (`<key>:grants`, about GRANT_RECORD_LENGTH entries, gone an
 * hour after the last call): the pacer's own record on Redis' clock. Whether the API's quota was respected is
 * judged on that record, which is exact, rather than on arrival times at the far end, which the operating
 * system's scheduler moves around on a busy machine.
 */
import type { Redis } from 'ioredis';
import { sleep } from '../core/sleep.js';
import { DEFAULT_GUARD_MS, grantSpanUs, gridSpanUs, MAX_PROBE_WAIT_S, PROBE_WAIT_S, SECONDS_KEPT, type ConfirmResult } from './pace-control.js';
import { runScript } from './redis-scripts.js';

export { DEFAULT_GUARD_MS } from './pace-control.js';

/** How many grants the record keeps, about (Redis trims a stream in whole nodes): minutes of calls at 10/s. */
export const GRANT_RECORD_LENGTH = 5_000;

export interface PacerOptions {
  readonly qps: number;
  /** The end of each second in which no call is granted, room for jitter before the API's next second, ms (default DEFAULT_GUARD_MS, below 1000). */
  readonly guardMs?: number;
  /** Names this caller in the grant record (default `<pid>-<random>`). Never a secret. */
  readonly label?: string;
}

/** One call the pacer allowed, on Redis' clock. */
export interface PacerGrant {
  /** Epoch microseconds, Redis' TIME. */
  readonly atUs: number;
  /** The label of the caller that was allowed. */
  readonly by: string;
}

export interface Pacer {
  /**
   * Resolves when this caller may make its call, with the grant's time on Redis' clock (epoch microseconds);
   * rejects with the signal's reason when aborted.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /**
   * The call granted at `grantUs` (what acquire() resolved with) was throttled: every caller's limit adapts.
   * With `retryAfterMs` (the API said how long to wait) every caller is also held back that long. Resolves
   * with how long the caller's queue should hold back, ms (at least 1).
   */
  onThrottle(grantUs: number, retryAfterMs?: number): Promise<number>;
  /** Delays every caller's next slot to at least now + ms. */
  pause(ms: number): Promise<void>;
}

/**
 * The pacer's three decisions as Lua calls on Redis, one round trip each. `nowUs` stands in for Redis' clock
 * (tests drive a virtual one); the pacer passes none.
 */
export interface PaceScripts {
  /** Wait until the reserved slot, microseconds. */
  reserve(nowUs?: number): Promise<number>;
  confirm(nowUs?: number): Promise<ConfirmResult>;
  /** How long the caller's queue should hold back, ms. */
  throttle(grantUs: number, nowUs?: number): Promise<number>;
}

export function paceScripts(redis: Redis, key: string, options: PacerOptions): PaceScripts {
  const guardMs = options.guardMs ?? DEFAULT_GUARD_MS;
  if (!(Number.isFinite(guardMs) && guardMs >= 0 && guardMs < 1000)) throw new RangeError(`guardMs must be from 0 to 999, got ${guardMs}`);
  const span = String(grantSpanUs({ qps: options.qps, guardMs }));
  const grid = String(gridSpanUs({ qps: options.qps, guardMs }));
  const qps = String(options.qps);
  const keys = paceKeys(key);
  const kept = String(SECONDS_KEPT);
  const member = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const label = options.label ?? member;
  const recordLength = String(GRANT_RECORD_LENGTH);
  let sequence = 0;
  const clock = (nowUs: number | undefined): string => (nowUs === undefined ? '' : String(nowUs));
  return {
    async reserve(nowUs) {
      return Number(await runScript(redis, 'pacer-reserve', [key, keys.state], [qps, grid, clock(nowUs), span]));
    },
    async confirm(nowUs) {
      const [waitUs, atUs, then] = (await runScript(redis, 'pacer-confirm', [keys.state, keys.log, keys.grants], [qps, span, `${member}-${++sequence}`, label, recordLength, kept, String(PROBE_WAIT_S), clock(nowUs)])) as [string, string, string];
      if (then === 'go') return { grantUs: Number(atUs) };
      return { waitUs: Number(waitUs), again: then === 'confirm' ? 'confirm' : 'reserve' };
    },
    async throttle(grantUs, nowUs) {
      return Number(await runScript(redis, 'pacer-throttle', [keys.state], [qps, String(grantUs), kept, String(PROBE_WAIT_S), String(MAX_PROBE_WAIT_S), clock(nowUs)]));
    },
  };
}

/** A pacer shared by every process that uses the same Redis key. */
export function createRedisPacer(redis: Redis, key: string, options: PacerOptions): Pacer {
  const scripts = paceScripts(redis, key, options);
  const pause = async (ms: number): Promise<void> => {
    await runScript(redis, 'pacer-pause', [key], [String(Math.ceil(ms * 1000))]);
  };
  return {
    async acquire(signal) {
      let again: 'reserve' | 'confirm' = 'reserve';
      for (;;) {
        signal?.throwIfAborted();
        if (again === 'reserve') {
          const waitUs = await scripts.reserve();
          if (waitUs > 0) await sleep(waitUs / 1000, signal);
        }
        const result = await scripts.confirm();
        if ('grantUs' in result) return result.grantUs;
        again = result.again;
        await sleep(result.waitUs / 1000, signal);
      }
    },
    async onThrottle(grantUs, retryAfterMs) {
      const restOfSecondMs = await scripts.throttle(grantUs);
      if (retryAfterMs === undefined) return Math.max(1, restOfSecondMs);
      await pause(retryAfterMs);
      return Math.max(1, retryAfterMs);
    },
    pause,
  };
}

/** The Redis keys of the pacer of `key` (`key` itself holds the next free slot). */
export function paceKeys(key: string): { readonly state: string; readonly log: string; readonly grants: string } {
  return { state: `${key}:state`, log: `${key}:log`, grants: grantRecordKey(key) };
}

/** The stream in which the pacer of `key` records its grants (bounded, expires an hour after the last call). */
export function grantRecordKey(key: string): string {
  return `${key}:grants`;
}

/**
 * The grants recorded for the pacer of `key`, oldest first: the pacer's own account of who called when, on
 * Redis' clock, for tests and operators (which caller spends the quota).
 */
export async function readGrants(redis: Pick<Redis, 'xrange'>, key: string): Promise<PacerGrant[]> {
  const entries = await redis.xrange(grantRecordKey(key), '-', '+');
  return entries.map(([, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    return { atUs: Number(f.get('t')), by: f.get('by') ?? '' };
  });
}

/**
 * The most grants that fall in any window of `windowMs` (half-open, sliding): what a quota counted over that
 * window would see. `atUs` must be sorted ascending.
 *
 * @example maxGrantsInWindow([0, 500_000, 1_000_000], 1000) // 2
 */
export function maxGrantsInWindow(atUs: readonly number[], windowMs: number): number {
  const windowUs = windowMs * 1000;
  let max = 0;
  for (let i = 0, j = 0; i < atUs.length; i++) {
    while (atUs[i]! - atUs[j]! >= windowUs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}
