import { describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.js';
import { parseInstant, parseRange } from '../../src/plan/parse-range.js';
import * as planner from '../../src/plan/plan-backfill.js';

describe('parseInstant: accepted spellings', () => {
  const cases: { text: string; want: number }[] = [
    { text: '2026-11-01T00:00:00Z', want: 1793491200000 },
    { text: '2026-11-01T00:00Z', want: 1793491200000 },
    { text: '2026-11-01', want: 1793491200000 },
    { text: '2026-11-01T00:00:00+00:00', want: 1793491200000 },
    { text: '2026-11-01T13:45:10Z', want: Date.UTC(2026, 10, 1, 13, 45, 10) },
    { text: '2026-11-01T13:45:10.5Z', want: Date.UTC(2026, 10, 1, 13, 45, 10, 500) },
    { text: '2026-11-01T13:45:10.25Z', want: Date.UTC(2026, 10, 1, 13, 45, 10, 250) },
    { text: '2026-11-01T13:45:10.125Z', want: Date.UTC(2026, 10, 1, 13, 45, 10, 125) },
    { text: '2024-02-29', want: Date.UTC(2024, 1, 29) },
    { text: '2026-12-31T23:59:59Z', want: Date.UTC(2026, 11, 31, 23, 59, 59) },
    { text: '2000-01-01T00:00:00Z', want: Date.UTC(2000, 0, 1) },
  ];
  for (const c of cases) {
    it(c.text, () => {
      expect(parseInstant(c.text, '--from')).toBe(c.want);
    });
  }
});

describe('parseInstant: refused, naming the flag', () => {
  const cases: { name: string; text: string; message: RegExp }[] = [
    { name: 'an offset other than UTC', text: '2026-11-01T08:00:00+08:00', message: /offset \+08:00; give the instant in UTC with Z/ },
    { name: 'a negative offset', text: '2026-11-01T00:00:00-05:00', message: /offset -05:00/ },
    { name: '-00:00 (RFC 3339 "unknown offset")', text: '2026-11-01T00:00:00-00:00', message: /offset -00:00/ },
    { name: 'no zone: local time is ambiguous', text: '2026-11-01T00:00:00', message: /not an ISO 8601 UTC instant/ },
    { name: 'lower-case z', text: '2026-11-01T00:00:00z', message: /not an ISO 8601 UTC instant/ },
    { name: 'a space instead of T', text: '2026-11-01 00:00:00Z', message: /not an ISO 8601 UTC instant/ },
    { name: 'basic format', text: '20261101T000000Z', message: /not an ISO 8601 UTC instant/ },
    { name: 'hours only', text: '2026-11-01T00Z', message: /not an ISO 8601 UTC instant/ },
    { name: 'more than millisecond precision', text: '2026-11-01T00:00:00.1234Z', message: /not an ISO 8601 UTC instant/ },
    { name: 'epoch milliseconds', text: '1793491200000', message: /not an ISO 8601 UTC instant/ },
    { name: 'a word', text: 'yesterday', message: /"yesterday" is not an ISO 8601 UTC instant/ },
    { name: 'empty', text: '', message: /not an ISO 8601 UTC instant/ },
    { name: 'surrounding blanks', text: ' 2026-11-01', message: /not an ISO 8601 UTC instant/ },
    { name: 'February 30', text: '2026-02-30', message: /not a real date and time/ },
    { name: 'February 29 in a common year', text: '2026-02-29T00:00:00Z', message: /not a real date and time/ },
    { name: 'month 13', text: '2026-13-01', message: /not a real date and time/ },
    { name: 'hour 24', text: '2026-11-01T24:00:00Z', message: /not a real date and time/ },
    { name: 'a leap second', text: '2026-12-31T23:59:60Z', message: /not a real date and time/ },
    { name: 'year 0050 (Date.UTC would read 1950)', text: '0050-01-01', message: /before 2000/ },
    { name: 'year 0001', text: '0001-01-01', message: /before 2000/ },
    { name: 'the epoch', text: '1970-01-01T00:00:00Z', message: /before 2000/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = refusal(() => parseInstant(c.text, '--to'));
      expect(err.code).toBe('CDN_ETL_INVALID_ARGUMENT');
      expect(err.source).toBe('--to');
      expect(err.message.startsWith('--to: ')).toBe(true);
      expect(err.message).toMatch(c.message);
    });
  }
});

describe('parseRange against now', () => {
  const now = Date.UTC(2026, 10, 29, 12);
  it.each([
    ['a range far in the future', '2100-01-01', '2100-01-02', '--from', /in the future/],
    ['a range that ends in year 9999', '2026-11-01', '9999-12-31', '--to', /more than a day in the future/],
    ['a range that starts now', '2026-11-29T12:00Z', '2026-11-29T13:00Z', '--from', /in the future/],
  ])('refuses %s', (_name, from, to, flag, message) => {
    const err = refusal(() => parseRange(from, to, now));
    expect(err.source).toBe(flag);
    expect(err.message).toMatch(message);
  });

  it('accepts a range that ends up to a day after now', () => {
    expect(parseRange('2026-11-28', '2026-11-30T12:00Z', now)).toEqual({ from: Date.UTC(2026, 10, 28), to: Date.UTC(2026, 10, 30, 12) });
  });
});

describe('parseRange', () => {
  it('gives the half-open range in epoch ms', () => {
    expect(parseRange('2026-11-01', '2026-11-02T12:00Z')).toEqual({ from: 1793491200000, to: 1793620800000 });
  });

  const cases: { name: string; from: string; to: string; source: string; message: RegExp }[] = [
    { name: 'a bad --from is named --from', from: '2026-11-01T00:00:00+01:00', to: '2026-11-02', source: '--from', message: /offset/ },
    { name: 'a bad --to is named --to', from: '2026-11-01', to: 'tomorrow', source: '--to', message: /"tomorrow"/ },
    { name: 'from == to is an empty range, refused', from: '2026-11-01', to: '2026-11-01T00:00:00Z', source: '--to', message: /must be after --from/ },
    { name: 'from after to is refused', from: '2026-11-02', to: '2026-11-01', source: '--to', message: /must be after --from \(2026-11-02\), got 2026-11-01/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = refusal(() => parseRange(c.from, c.to));
      expect(err.source).toBe(c.source);
      expect(err.message).toMatch(c.message);
    });
  }

  it('is also exported by the planner module', () => {
    expect(planner.parseRange).toBe(parseRange);
    expect(planner.parseInstant).toBe(parseInstant);
  });
});
