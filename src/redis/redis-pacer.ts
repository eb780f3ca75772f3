/**
 * Global call pacing across every worker process, in two steps, both Lua scripts on Redis' clock:
 * 1. reserve: one key holds the next free call time; each caller gets its own evenly spaced slot and sleeps
 *    until then (even pacing, no stampede of waiting workers);
 * 2. confirm: at its slot the caller records its send time in a sliding log of the last second and may call
 *    only if fewer than qps sends are logged within (1000 + guardMs) ms; otherwise it waits for the oldest to
 *    leave the window. A caller that woke late (GC pause, busy event loop) is thus logged at its real time and
 *    cannot bunch up with the next one.
 *
 * Why not BullMQ's limiter: it counts job starts per fixed window, so `{max: qps, duration: 1000}` bursts at the
 * start of each window, and a job start is not an API call (remembered chunks make none). Slots spaced
 * (1000 + guardMs) / qps apart never put more than qps calls in any one-second interval, aligned or sliding, as
 * long as the jitter between a slot and the call's arrival stays below guardMs; the rate sustained is
 * qps * 1000 / (1000 + guardMs) (95.2% with the default 50 ms guard). Redis' own clock (TIME) is the reference, so
 * workers on machines with skewed clocks still share one schedule.
 *
 * Every grant is also written to a bounded stream (`<key>:grants`, about GRANT_RECORD_LENGTH entries, gone an
 * hour after the last call): the pacer's own record on Redis' clock. Whether the API's quota was respected is
 * judged on that record, which is exact, rather than on arrival times at the far end, which the operating
 * system's scheduler moves around on a busy machine.
 */
import type { Redis } from 'ioredis';
import { sleep } from '../core/sleep.js';
import { runScript } from './redis-scripts.js';

/**
 * 50 ms: on a busy 2-core machine the event loops of the workers and of the API's stand-in lag by 20-60 ms at
 * times (measured); 50 ms still sustains 95.2% of qps (1000 / 1050). 30-40 ms let 11 calls into a sliding
 * second now and then in the multi-process quota test.
 */
export const DEFAULT_GUARD_MS = 50;

/** How many grants the record keeps, about (Redis trims a stream in whole nodes): minutes of calls at 10/s. */
export const GRANT_RECORD_LENGTH = 5_000;

export interface PacerOptions {
  readonly qps: number;
  /** Extra room per second for network, scheduling and timer jitter, ms (default DEFAULT_GUARD_MS). */
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
  /** Delays every caller's next slot to at least now + ms (a throttled answer: slow down everyone). */
  pause(ms: number): Promise<void>;
  /** Spacing between two calls, ms. */
  readonly spacingMs: number;
}

/** A pacer shared by every process that uses the same Redis key. */
export function createRedisPacer(redis: Redis, key: string, options: PacerOptions): Pacer {
  const guardMs = options.guardMs ?? DEFAULT_GUARD_MS;
  const spacingMs = (1000 + guardMs) / options.qps;
  const spacingUs = String(Math.ceil(spacingMs * 1000));
  const windowUs = String((1000 + guardMs) * 1000);
  const qps = String(options.qps);
  const logKey = `${key}:log`;
  const grantsKey = grantRecordKey(key);
  let sequence = 0;
  const member = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const label = options.label ?? member;
  const recordLength = String(GRANT_RECORD_LENGTH);
  return {
    spacingMs,
    async acquire(signal) {
      signal?.throwIfAborted();
      const waitUs = Number(await runScript(redis, 'pacer-reserve', [key], [spacingUs]));
      if (waitUs > 0) await sleep(waitUs / 1000, signal);
      for (;;) {
        const [againUs, atUs] = (await runScript(redis, 'pacer-confirm', [logKey, grantsKey], [windowUs, qps, `${member}-${++sequence}`, label, recordLength])) as [string, string];
        if (againUs === '0') return Number(atUs);
        await sleep(Number(againUs) / 1000, signal);
      }
    },
    async pause(ms) {
      await runScript(redis, 'pacer-pause', [key], [String(Math.ceil(ms * 1000))]);
    },
  };
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
