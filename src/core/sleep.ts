/**
 * The one sleep: node:timers/promises underneath, with the two promises callers rely on. An abort rejects with
 * the signal's own reason (not a generic AbortError), so a caller sees why it was stopped; and the wait is
 * rounded up to whole milliseconds, because Node may fire a timer up to 1 ms early and a paced slot must never
 * be anticipated.
 */
import { setTimeout as delay } from 'node:timers/promises';

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await delay(Math.ceil(ms), undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Waits `ms` or until the signal aborts, whichever comes first; never rejects (for retry loops that re-check). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => undefined);
}
