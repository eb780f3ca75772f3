import { describe, expect, it } from 'vitest';
import { ApiError, InvalidArgumentError, ResponseInvalidError, type ApiErrorKind } from '../../src/core/errors.js';
import { retryDelayMs as backoffDelayMs, decideRetry, DEFAULT_RETRY_POLICY, validateRetryPolicy, type RetryPolicy } from '../../src/aliyun/retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const fixed = (r: number) => () => r;

describe('backoffDelayMs: exponential ceiling, full jitter, retry-after as a floor', () => {
  it.each([
    { name: 'first retry, random 0.5', failed: 1, r: 0.5, retryAfter: undefined, ms: 250 },
    { name: 'second retry, random 0.5', failed: 2, r: 0.5, retryAfter: undefined, ms: 500 },
    { name: 'third retry, random 0.5', failed: 3, r: 0.5, retryAfter: undefined, ms: 1000 },
    { name: 'full jitter reaches zero', failed: 4, r: 0, retryAfter: undefined, ms: 0 },
    { name: 'just under the ceiling', failed: 2, r: 0.999, retryAfter: undefined, ms: 999 },
    { name: 'ceiling capped at maxDelayMs', failed: 10, r: 0.5, retryAfter: undefined, ms: 15_000 },
    { name: 'huge attempt number stays finite', failed: 5000, r: 0.5, retryAfter: undefined, ms: 15_000 },
    { name: 'retry-after above the jitter wins', failed: 1, r: 0.5, retryAfter: 2000, ms: 2000 },
    { name: 'jitter above the retry-after wins', failed: 6, r: 0.5, retryAfter: 100, ms: 8000 },
    { name: 'retry-after capped at maxDelayMs', failed: 1, r: 0.1, retryAfter: 600_000, ms: 30_000 },
    { name: 'retry-after zero is ignored', failed: 1, r: 0.5, retryAfter: 0, ms: 250 },
    { name: 'a random source out of range counts as 0', failed: 3, r: 1.5, retryAfter: undefined, ms: 0 },
  ])('$name', ({ failed, r, retryAfter, ms }) => {
    expect(backoffDelayMs(failed, policy, fixed(r), retryAfter)).toBe(ms);
  });

  it('refuses failedAttempts < 1', () => {
    expect(() => backoffDelayMs(0, policy, fixed(0.5))).toThrow(InvalidArgumentError);
  });
});

function apiError(kind: ApiErrorKind, retryAfterMs?: number): ApiError {
  return new ApiError({ apiCode: kind === 'throttled' ? 'Throttling' : kind === 'transient' ? 'ServiceUnavailable' : 'InvalidDomain.NotFound', kind, retryAfterMs }, 'test');
}

describe('decideRetry', () => {
  it.each([
    { name: 'transient, first failure', error: apiError('transient'), failed: 1, decision: { retry: true, delayMs: 250 } },
    { name: 'throttled honours retry-after', error: apiError('throttled', 1200), failed: 1, decision: { retry: true, delayMs: 1200 } },
    { name: 'permanent never', error: apiError('permanent'), failed: 1, decision: { retry: false } },
    { name: 'transient after the last attempt', error: apiError('transient'), failed: 5, decision: { retry: false } },
    { name: 'transient on the fourth failure', error: apiError('transient'), failed: 4, decision: { retry: true, delayMs: 2000 } },
    { name: 'not an ApiError', error: new ResponseInvalidError('VALUE_NOT_NUMERIC', 'x'), failed: 1, decision: { retry: false } },
    { name: 'a plain Error', error: new Error('bug'), failed: 1, decision: { retry: false } },
  ])('$name', ({ error, failed, decision }) => {
    expect(decideRetry(error, failed, policy, fixed(0.5))).toEqual(decision);
  });

  it('retryOn narrows the kinds retried', () => {
    const onlyThrottled: RetryPolicy = { ...policy, retryOn: ['throttled'] };
    expect(decideRetry(apiError('transient'), 1, onlyThrottled, fixed(0.5))).toEqual({ retry: false });
    expect(decideRetry(apiError('throttled'), 1, onlyThrottled, fixed(0.5))).toEqual({ retry: true, delayMs: 250 });
  });
});

describe('validateRetryPolicy', () => {
  it.each([
    { name: 'default is valid', p: DEFAULT_RETRY_POLICY, ok: true },
    { name: 'zero attempts', p: { ...policy, maxAttempts: 0 }, ok: false },
    { name: 'fractional attempts', p: { ...policy, maxAttempts: 1.5 }, ok: false },
    { name: 'negative base', p: { ...policy, baseDelayMs: -1 }, ok: false },
    { name: 'max below base', p: { ...policy, maxDelayMs: 100 }, ok: false },
  ])('$name', ({ p, ok }) => {
    if (ok) expect(validateRetryPolicy(p)).toBe(p);
    else expect(() => validateRetryPolicy(p)).toThrow(InvalidArgumentError);
  });
});
