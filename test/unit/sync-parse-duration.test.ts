import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/parse-duration.js';
import { formatDuration } from '../../src/core/time-format.js';

const DAY = 86_400_000;

describe('parseDuration', () => {
  const good: { name: string; text: string; ms: number }[] = [
    { name: 'seconds', text: '90s', ms: 90_000 },
    { name: 'minutes', text: '5m', ms: 300_000 },
    { name: 'hours', text: '1h', ms: 3_600_000 },
    { name: 'days', text: '2d', ms: 2 * DAY },
    { name: 'compound, largest unit first', text: '1h30m', ms: 5_400_000 },
    { name: 'every unit', text: '1d2h3m4s', ms: DAY + 2 * 3_600_000 + 3 * 60_000 + 4_000 },
    { name: 'zero is allowed when the minimum is zero', text: '0m', ms: 0 },
  ];
  for (const c of good) {
    it(`accepts ${c.name}: ${c.text}`, () => {
      expect(parseDuration(c.text, '--every', 0, 7 * DAY)).toBe(c.ms);
    });
  }
  const bad: { name: string; text: string }[] = [
    { name: 'no unit', text: '300' },
    { name: 'empty', text: '' },
    { name: 'unknown unit', text: '5min' },
    { name: 'weeks', text: '1w' },
    { name: 'fraction', text: '1.5h' },
    { name: 'negative', text: '-5m' },
    { name: 'space', text: '5 m' },
    { name: 'units out of order', text: '30m1h' },
    { name: 'upper case', text: '5M' },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}: ${JSON.stringify(c.text)}`, () => {
      expect(() => parseDuration(c.text, '--every', 0, 7 * DAY)).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--every' }));
    });
  }
  it('refuses a value below the minimum, naming the bounds', () => {
    expect(() => parseDuration('500s', '--lookback', 0, 60_000)).toThrowError('--lookback: must be from 0s to 1m, got 500s');
  });
  it('refuses a value above the maximum', () => {
    expect(() => parseDuration('0s', '--every', 1_000, DAY)).toThrowError('--every: must be from 1s to 1d, got 0s');
  });
});

describe('formatDuration', () => {
  const cases: { ms: number; text: string }[] = [
    { ms: 0, text: '0s' },
    { ms: 300_000, text: '5m' },
    { ms: 5_400_000, text: '1h30m' },
    { ms: DAY + 1_000, text: '1d1s' },
  ];
  for (const c of cases) {
    it(`${c.ms} ms -> ${c.text}`, () => {
      expect(formatDuration(c.ms)).toBe(c.text);
      expect(parseDuration(c.text, '--every', 0, 2 * DAY)).toBe(c.ms);
    });
  }
});
