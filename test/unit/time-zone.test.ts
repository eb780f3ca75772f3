import { describe, expect, it } from 'vitest';
import { dayStart, fiveMinutePointsInMonth, formatLocal, formatMonth, monthStart, nextMonthStart, parseTimeZone } from '../../src/core/time-zone.js';
import { refusal } from '../helpers/refusal.js';

describe('core/time-zone: calendars in a zone (luxon)', () => {
  it.each([
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Z', 'UTC'],
    ['Asia/Shanghai', 'Asia/Shanghai'],
    ['asia/shanghai', 'Asia/Shanghai'],
    ['europe/berlin', 'Europe/Berlin'],
    ['UTC+8', 'UTC+08:00'],
    ['UTC-3:30', 'UTC-03:30'],
  ])('parseTimeZone(%s) = %s', (raw, want) => {
    expect(parseTimeZone(raw, '--tz')).toBe(want);
  });

  it.each([['Mars/Olympus'], ['CST'], ['+08:00'], ['UTC+15'], ['Asia/Shanghai; DROP TABLE x'], ['']])('refuses %j naming the source', (raw) => {
    const err = refusal(() => parseTimeZone(raw, '--tz'));
    expect([err.code, err.source]).toEqual(['CDN_ETL_INVALID_ARGUMENT', '--tz']);
    expect(err.message).toMatch(/^--tz: is not a time zone/);
  });

  it.each([
    ['February 2026, UTC', Date.UTC(2026, 1, 10), 'UTC', Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1), 8064],
    ['March 2026, Shanghai', Date.UTC(2026, 2, 10), 'Asia/Shanghai', Date.UTC(2026, 1, 28, 16), Date.UTC(2026, 2, 31, 16), 8928],
    ['April 2026, Shanghai', Date.UTC(2026, 2, 31, 16), 'Asia/Shanghai', Date.UTC(2026, 2, 31, 16), Date.UTC(2026, 3, 30, 16), 8640],
    ['March 2026, Berlin (one hour short)', Date.UTC(2026, 2, 15), 'Europe/Berlin', Date.UTC(2026, 1, 28, 23), Date.UTC(2026, 2, 31, 22), 8916],
    ['October 2026, Berlin (one hour long)', Date.UTC(2026, 9, 15), 'Europe/Berlin', Date.UTC(2026, 8, 30, 22), Date.UTC(2026, 9, 31, 23), 8940],
  ])('%s: month bounds and 5-minute points', (_name, at, zone, start, next, points) => {
    expect(monthStart(at, zone)).toBe(start);
    expect(nextMonthStart(start, zone)).toBe(next);
    expect(fiveMinutePointsInMonth(start, zone)).toBe(points);
  });

  it('local days and text', () => {
    expect(dayStart(Date.UTC(2026, 0, 1, 15, 59), 'Asia/Shanghai')).toBe(Date.UTC(2025, 11, 31, 16));
    expect(dayStart(Date.UTC(2026, 0, 1, 16), 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 1, 16));
    expect(formatLocal(Date.UTC(2026, 0, 1, 16, 5), 'Asia/Shanghai')).toBe('2026-01-02 00:05');
    expect(formatLocal(Date.UTC(2026, 0, 1, 16, 5), 'Asia/Shanghai', true)).toBe('2026-01-02');
    expect(formatMonth(Date.UTC(2026, 1, 28, 16), 'Asia/Shanghai')).toBe('2026-03');
  });
});
