/**
 * Retry policy for callers that retry outside the queue (DescribeUserDomains paging, one-off commands).
 * Pure data plus pure functions: attempt number -> wait, with exponential backoff and full jitter, honouring the
 * server's retry-after. The random source is injected so tests are deterministic. Sleeping is the caller's job.
 */
import { backoffDelayMs } from '../core/backoff.js';
import { ApiError, InvalidArgumentError, type ApiErrorKind } from '../core/errors.js';

export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). */
  readonly maxAttempts: number;
  /** Backoff ceiling before jitter for the first retry; doubled for each further one. */
  readonly baseDelayMs: number;
  /** No computed wait exceeds this, a server-suggested one included. */
  readonly maxDelayMs: number;
  /** Kinds worth another attempt; default throttled and transient. */
  readonly retryOn?: readonly ApiErrorKind[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  retryOn: Object.freeze(['throttled', 'transient'] as ApiErrorKind[]),
});

/** Throws InvalidArgumentError for a policy that cannot work. */
export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new InvalidArgumentError('retry policy: maxAttempts must be a whole number >= 1');
  if (!Number.isFinite(policy.baseDelayMs) || policy.baseDelayMs < 0) throw new InvalidArgumentError('retry policy: baseDelayMs must be >= 0');
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < policy.baseDelayMs) {
    throw new InvalidArgumentError('retry policy: maxDelayMs must be >= baseDelayMs');
  }
  return policy;
}

/**
 * The wait before the next attempt after `failedAttempts` failures (1 after the first failure).
 * Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(failedAttempts-1))). A server-suggested
 * `retryAfterMs` is a floor (capped at maxDelayMs: its unit is unconfirmed, a bogus huge value must not park us).
 *
 * @param random returns a number in [0, 1), e.g. Math.random
 * @example retryDelayMs(3, { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30000 }, () => 0.5) // 1000
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new InvalidArgumentError('failedAttempts must be a whole number >= 1');
  const jittered = backoffDelayMs(failedAttempts, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'full' }, random());
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return jittered;
  return Math.max(jittered, Math.min(Math.ceil(retryAfterMs), policy.maxDelayMs));
}

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false };

/**
 * Whether to try again after `failedAttempts` failures ending with `error`, and how long to wait.
 * Only an ApiError of a retryable kind is retried; anything else (a bug, a ResponseInvalidError) is not.
 */
export function decideRetry(error: unknown, failedAttempts: number, policy: RetryPolicy, random: () => number): RetryDecision {
  if (!(error instanceof ApiError)) return { retry: false };
  const retryOn = policy.retryOn ?? DEFAULT_RETRY_POLICY.retryOn!;
  if (!retryOn.includes(error.kind) || failedAttempts >= policy.maxAttempts) return { retry: false };
  return { retry: true, delayMs: retryDelayMs(failedAttempts, policy, random, error.retryAfterMs) };
}
