/** maxGrantsInWindow: the figure every quota claim is judged by, over the pacer's own record. */
import { describe, expect, it } from 'vitest';
import { maxGrantsInWindow } from '../../src/redis/redis-pacer.js';

const MS = 1000;

describe('maxGrantsInWindow', () => {
  const cases: { name: string; atUs: number[]; windowMs: number; expected: number }[] = [
    { name: 'no grants', atUs: [], windowMs: 1000, expected: 0 },
    { name: 'one grant', atUs: [5], windowMs: 1000, expected: 1 },
    { name: 'grants exactly one window apart are not in one window', atUs: [0, 1000 * MS, 2000 * MS], windowMs: 1000, expected: 1 },
    { name: 'one microsecond less and they are', atUs: [0, 1000 * MS - 1], windowMs: 1000, expected: 2 },
    { name: 'a burst across a calendar second counts whole', atUs: [900 * MS, 950 * MS, 1000 * MS, 1050 * MS, 2100 * MS], windowMs: 1000, expected: 4 },
    { name: 'evenly spaced at 10 per second: 10 in any window', atUs: Array.from({ length: 50 }, (_, i) => i * 100 * MS), windowMs: 1000, expected: 10 },
    { name: 'ties count as separate grants', atUs: [7, 7, 7], windowMs: 1, expected: 3 },
  ];
  it.each(cases)('$name', ({ atUs, windowMs, expected }) => {
    expect(maxGrantsInWindow(atUs, windowMs)).toBe(expected);
  });
});
