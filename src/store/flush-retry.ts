/**
 * Retry policy for ILP flushes as data plus a pure function: which failures are worth re-sending. The wait
 * between attempts is core/backoff.ts with equal jitter.
 */

import type { BackoffPolicy } from '../core/backoff.js';

export type FlushFailureKind = 'transient' | 'permanent';

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
