/**
 * Retry policy for ILP flushes as data plus two pure functions: which failures are worth
 * re-sending, and how long to wait before the next attempt.
 */

export type FlushFailureKind = 'transient' | 'permanent';

export interface BackoffPolicy {
  /** Wait before the second attempt, before jitter. */
  readonly baseMs: number;
  /** No single wait is longer than this. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 250, maxMs: 15_000 });

/**
 * HTTP statuses from /write that mean "this request is wrong" and cannot succeed by re-sending it.
 * 408 and 429 are the server asking us to come back, so they stay transient.
 */
function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Classifies an error thrown by `Sender.flush()`. The client reports HTTP failures only as text
 * (`HTTP request failed, statusCode=400, error=...`), so the status is read from the message;
 * everything else (refused, reset, timeouts, 5xx) is transient.
 */
export function flushFailureKind(err: unknown): FlushFailureKind {
  const message = err instanceof Error ? err.message : String(err);
  const match = /statusCode=(\d{3})/.exec(message);
  if (match && isPermanentStatus(Number(match[1]))) return 'permanent';
  return 'transient';
}

/**
 * Wait before the next attempt after `failures` failed attempts (1 = the first failure):
 * exponential, capped, with "equal jitter" (half fixed, half random) so that several loaders
 * that failed together do not come back together. `random` is in [0, 1).
 *
 * @example backoffDelayMs(1, { baseMs: 250, maxMs: 15000 }, 0) // 125
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}
