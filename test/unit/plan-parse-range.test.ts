import { describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.js';
import { describeInstant, parseInstant, parseRange } from '../../src/plan/parse-range.js';
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

describe('parseInstant: offsets, zones and relative times (issue 16)', () => {
  const now = Date.UTC(2026, 11, 6, 18, 7, 30);
  const minute = Date.UTC(2026, 11, 6, 18, 7);
  const cases: { name: string; text: string; zone?: string; want: number }[] = [
    { name: 'an offset east of UTC', text: '2026-11-30T22:00+08:00', want: Date.UTC(2026, 10, 30, 14) },
    { name: 'an offset west of UTC, with seconds and ms', text: '2026-11-01T00:00:00.250-05:00', want: Date.UTC(2026, 10, 1, 5, 0, 0, 250) },
    { name: 'an offset across the date line', text: '2026-11-01T00:00+14:00', want: Date.UTC(2026, 9, 31, 10) },
    { name: 'no offset, no zone: UTC', text: '2026-11-01T08:00', want: Date.UTC(2026, 10, 1, 8) },
    { name: 'no offset, --tz Asia/Shanghai', text: '2026-11-01T08:00', zone: 'Asia/Shanghai', want: Date.UTC(2026, 10, 1, 0) },
    { name: 'a bare date in a zone is its local midnight', text: '2026-11-01', zone: 'Asia/Shanghai', want: Date.UTC(2026, 9, 31, 16) },
    { name: 'a fixed-offset zone', text: '2026-11-01', zone: 'UTC-05:00', want: Date.UTC(2026, 10, 1, 5) },
    { name: 'an offset wins over --tz', text: '2026-11-01T00:00Z', zone: 'Asia/Shanghai', want: Date.UTC(2026, 10, 1) },
    { name: 'Berlin in summer time (+02:00)', text: '2026-07-01T12:00', zone: 'Europe/Berlin', want: Date.UTC(2026, 6, 1, 10) },
    { name: 'the repeated hour of a DST end reads as standard time (the echo shows it)', text: '2026-10-25T02:30', zone: 'Europe/Berlin', want: Date.UTC(2026, 9, 25, 1, 30) },
    { name: 'now is the current minute', text: 'now', want: minute },
    { name: '-7d', text: '-7d', want: minute - 7 * 86_400_000 },
    { name: '-90m', text: '-90m', want: minute - 90 * 60_000 },
    { name: '-1h30m', text: '-1h30m', want: minute - 90 * 60_000 },
    { name: 'now-45s', text: 'now-45s', want: minute - 45_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseInstant(c.text, '--from', { now, zone: c.zone })).toBe(c.want);
    });
  }

  it('refuses a wall-clock time that a DST change skips, naming the zone', () => {
    const err = refusal(() => parseInstant('2026-03-29T02:30', '--from', { zone: 'Europe/Berlin' }));
    expect(err.message).toBe('--from: "2026-03-29T02:30" is not a real date and time in Europe/Berlin');
  });

  it('parseRange reads -7d .. now against the same now', () => {
    expect(parseRange('-7d', 'now', now)).toEqual({ from: minute - 7 * 86_400_000, to: minute });
  });
});

describe('describeInstant: the UTC reading, and the text when it was spelt otherwise', () => {
  it.each([
    ['2026-11-01', Date.UTC(2026, 10, 1), '2026-11-01T00:00:00Z'],
    ['2026-11-01T00:00Z', Date.UTC(2026, 10, 1), '2026-11-01T00:00:00Z'],
    ['2026-11-01T13:45:10Z', Date.UTC(2026, 10, 1, 13, 45, 10), '2026-11-01T13:45:10Z'],
    ['2026-11-30T22:00+08:00', Date.UTC(2026, 10, 30, 14), '2026-11-30T14:00:00Z (2026-11-30T22:00+08:00)'],
    ['-7d', Date.UTC(2026, 10, 29, 18, 7, 30), '2026-11-29T18:07:30Z (-7d)'],
    ['now', Date.UTC(2026, 11, 6, 18, 7, 30, 125), '2026-12-06T18:07:30.125Z (now)'],
  ])('%s', (text, ms, want) => {
    expect(describeInstant(text, ms)).toBe(want);
  });
});

describe('parseInstant: refused, naming the flag', () => {
  const cases: { name: string; text: string; message: RegExp }[] = [
    { name: '-00:00 (RFC 3339 "unknown offset")', text: '2026-11-01T00:00:00-00:00', message: /offset -00:00/ },
    { name: 'an offset no place uses', text: '2026-11-01T00:00:00+15:00', message: /offset \+15:00, which no place/ },
    { name: 'an offset on a bare date', text: '2026-11-01+08:00', message: /not a time cdn-etl reads/ },
    { name: 'a relative time without a unit', text: '-7', message: /"7" is not a duration/ },
    { name: 'a relative time in weeks', text: '-1w', message: /"1w" is not a duration/ },
    { name: 'a relative time of zero', text: '-0m', message: /must be from 1s/ },
    { name: 'a time in the future spelt relative', text: '+7d', message: /not a time cdn-etl reads/ },
    { name: 'lower-case z', text: '2026-11-01T00:00:00z', message: /not a time cdn-etl reads/ },
    { name: 'a space instead of T', text: '2026-11-01 00:00:00Z', message: /not a time cdn-etl reads/ },
    { name: 'basic format', text: '20261101T000000Z', message: /not a time cdn-etl reads/ },
    { name: 'hours only', text: '2026-11-01T00Z', message: /not a time cdn-etl reads/ },
    { name: 'more than millisecond precision', text: '2026-11-01T00:00:00.1234Z', message: /not a time cdn-etl reads/ },
    { name: 'epoch milliseconds', text: '1793491200000', message: /not a time cdn-etl reads/ },
    { name: 'a word', text: 'yesterday', message: /"yesterday" is not a time cdn-etl reads; use e.g. 2026-11-01, .*-7d, -90m or now/ },
    { name: 'empty', text: '', message: /not a time cdn-etl reads/ },
    { name: 'surrounding blanks', text: ' 2026-11-01', message: /not a time cdn-etl reads/ },
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
    { name: 'a bad --from is named --from', from: '2026-11-01T00:00:00-00:00', to: '2026-11-02', source: '--from', message: /offset/ },
    { name: 'a bad --to is named --to', from: '2026-11-01', to: 'tomorrow', source: '--to', message: /"tomorrow"/ },
    { name: 'from == to is an empty range, refused', from: '2026-11-01', to: '2026-11-01T00:00:00Z', source: '--to', message: /must be after --from/ },
    { name: 'from after to is refused', from: '2026-11-02', to: '2026-11-01', source: '--to', message: /must be after --from \(2026-11-02T00:00:00Z\), got 2026-11-01T00:00:00Z$/ },
    { name: 'a reversed range typed with offsets echoes both readings', from: '2026-11-02T08:00+08:00', to: '2026-11-01', source: '--to', message: /must be after --from \(2026-11-02T00:00:00Z \(2026-11-02T08:00\+08:00\)\), got 2026-11-01T00:00:00Z$/ },
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
