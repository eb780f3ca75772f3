import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/core/backoff.js';
import { flushFailureKind } from '../../src/store/flush-retry.js';

describe('flushFailureKind', () => {
  const cases: { name: string; err: unknown; expected: 'transient' | 'permanent' }[] = [
    { name: 'bad request (malformed ILP, type clash)', err: new Error('HTTP request failed, statusCode=400, error={"code":"invalid"}'), expected: 'permanent' },
    { name: 'unauthorised', err: new Error('HTTP request failed, statusCode=401, error='), expected: 'permanent' },
    { name: 'not found', err: new Error('HTTP request failed, statusCode=404, error='), expected: 'permanent' },
    { name: 'request timeout status', err: new Error('HTTP request failed, statusCode=408, error='), expected: 'transient' },
    { name: 'too many requests', err: new Error('HTTP request failed, statusCode=429, error='), expected: 'transient' },
    { name: 'server error', err: new Error('HTTP request failed, statusCode=500, error=oops'), expected: 'transient' },
    { name: 'service unavailable', err: new Error('HTTP request failed, statusCode=503, error='), expected: 'transient' },
    { name: 'connection refused', err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), expected: 'transient' },
    { name: 'client timeout', err: new Error('HTTP request timeout, no response from server in time'), expected: 'transient' },
    { name: 'not an Error', err: 'socket hang up', expected: 'transient' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(flushFailureKind(c.err)).toBe(c.expected);
    });
  }
});

describe('backoffDelayMs', () => {
  const policy = { baseMs: 250, maxMs: 15_000 };
  const cases: { name: string; failures: number; random: number; expected: number }[] = [
    { name: 'first failure, no jitter', failures: 1, random: 0, expected: 125 },
    { name: 'first failure, full jitter', failures: 1, random: 0.999999, expected: 250 },
    { name: 'second failure doubles', failures: 2, random: 0, expected: 250 },
    { name: 'third failure, half jitter', failures: 3, random: 0.5, expected: 750 },
    { name: 'capped at maxMs', failures: 10, random: 0.999999, expected: 15_000 },
    { name: 'cap holds for huge counts', failures: 1_000, random: 0, expected: 7_500 },
    { name: 'zero failures treated as one', failures: 0, random: 0, expected: 125 },
    { name: 'random out of range is clamped', failures: 1, random: 7, expected: 250 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(backoffDelayMs(c.failures, policy, c.random)).toBe(c.expected);
    });
  }
});
