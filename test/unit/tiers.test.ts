import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, describeCall, horizonStart, isSlotFinal, tierByInterval, tierForSpan, validateTiers, type Tier } from '../../src/aliyun/tiers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 29, 12);

describe('DEFAULT_TIERS: the table of API-NOTES.md', () => {
  it('1-minute for spans up to 1 h kept 7 days, 5-minute up to 3 days kept 93 days, hourly up to 31 days kept 186 days', () => {
    expect(DEFAULT_TIERS.map((t) => [t.intervalS, t.maxSpanMs, t.historyMs, t.delayMs])).toEqual([
      [60, HOUR, 7 * DAY, 5 * MIN],
      [300, 3 * DAY, 93 * DAY, 15 * MIN],
      [3600, 31 * DAY, 186 * DAY, 4 * HOUR],
    ]);
    expect(validateTiers(DEFAULT_TIERS)).toBeUndefined();
    expect(Object.isFrozen(DEFAULT_TIERS)).toBe(true);
  });
});

describe('tierForSpan: the span of one call alone picks the granularity', () => {
  const cases: { name: string; span: number; want: number | undefined }[] = [
    { name: 'zero span: no valid call', span: 0, want: undefined },
    { name: 'negative span', span: -MIN, want: undefined },
    { name: 'NaN span', span: Number.NaN, want: undefined },
    { name: '1 ms', span: 1, want: 60 },
    { name: '59 minutes', span: 59 * MIN, want: 60 },
    { name: 'exactly 1 hour', span: HOUR, want: 60 },
    { name: '1 hour + 1 ms', span: HOUR + 1, want: 300 },
    { name: '1 h 05', span: HOUR + 5 * MIN, want: 300 },
    { name: 'exactly 3 days', span: 3 * DAY, want: 300 },
    { name: '3 days + 1 h', span: 3 * DAY + HOUR, want: 3600 },
    { name: 'exactly 31 days', span: 31 * DAY, want: 3600 },
    { name: '31 days + 1 ms: too wide for every tier', span: 31 * DAY + 1, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(tierForSpan(DEFAULT_TIERS, c.span)?.intervalS).toBe(c.want);
    });
  }
});

describe('tierByInterval and horizonStart', () => {
  it('finds a tier by its interval, or nothing', () => {
    expect(tierByInterval(DEFAULT_TIERS, 300)).toBe(DEFAULT_TIERS[1]);
    expect(tierByInterval(DEFAULT_TIERS, 120)).toBeUndefined();
  });
  it('the oldest call start a tier still serves is now minus its history', () => {
    expect(horizonStart(DEFAULT_TIERS[0]!, NOW)).toBe(Date.UTC(2026, 10, 22, 12));
    expect(horizonStart(DEFAULT_TIERS[1]!, NOW)).toBe(Date.UTC(2026, 7, 28, 12));
    expect(horizonStart(DEFAULT_TIERS[2]!, NOW)).toBe(Date.UTC(2026, 4, 27, 12));
  });
});

describe('describeCall: granularity and whether that data still exists', () => {
  const cases: { name: string; start: number; end: number; want: { intervalS: number | undefined; available: boolean } }[] = [
    { name: 'the last hour', start: NOW - HOUR, end: NOW, want: { intervalS: 60, available: true } },
    { name: '1-minute call exactly at the 7-day horizon', start: NOW - 7 * DAY, end: NOW - 7 * DAY + HOUR, want: { intervalS: 60, available: true } },
    { name: '1-minute call 1 ms before the 7-day horizon', start: NOW - 7 * DAY - 1, end: NOW - 7 * DAY + HOUR - 1, want: { intervalS: 60, available: false } },
    { name: 'an old short call is refused even though 5-minute data exists', start: NOW - 30 * DAY, end: NOW - 30 * DAY + HOUR, want: { intervalS: 60, available: false } },
    { name: 'the same time asked with a 2-hour span gets 5-minute data', start: NOW - 30 * DAY, end: NOW - 30 * DAY + 2 * HOUR, want: { intervalS: 300, available: true } },
    { name: '5-minute call 1 ms before the 93-day horizon', start: NOW - 93 * DAY - 1, end: NOW - 92 * DAY, want: { intervalS: 300, available: false } },
    { name: 'hourly call at the 186-day horizon', start: NOW - 186 * DAY, end: NOW - 180 * DAY, want: { intervalS: 3600, available: true } },
    { name: 'hourly call beyond 186 days', start: NOW - 187 * DAY, end: NOW - 180 * DAY, want: { intervalS: 3600, available: false } },
    { name: 'a span wider than 31 days', start: NOW - 40 * DAY, end: NOW, want: { intervalS: undefined, available: false } },
    { name: 'end before start', start: NOW, end: NOW - HOUR, want: { intervalS: undefined, available: false } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = describeCall(DEFAULT_TIERS, c.start, c.end, NOW);
      expect({ intervalS: v.tier?.intervalS, available: v.available }).toEqual(c.want);
    });
  }
});

describe('isSlotFinal: provisional until slot end + delay + revision window', () => {
  const minute = DEFAULT_TIERS[0]!; // 60 s slot, 5 min delay, 25 min revision: final 31 min after the slot starts
  const hour = DEFAULT_TIERS[2]!; // 1 h slot, 4 h delay, 2 h revision: final 7 h after the slot starts
  const cases: { name: string; tier: Tier; slotStart: number; want: boolean }[] = [
    { name: '1-minute slot 31 min old: final', tier: minute, slotStart: NOW - 31 * MIN, want: true },
    { name: '1-minute slot 31 min - 1 ms old: provisional', tier: minute, slotStart: NOW - 31 * MIN + 1, want: false },
    { name: 'the newest 1-minute slot: provisional', tier: minute, slotStart: NOW - 6 * MIN, want: false },
    { name: 'hourly slot 7 h old: final', tier: hour, slotStart: NOW - 7 * HOUR, want: true },
    { name: 'hourly slot 6 h old: provisional', tier: hour, slotStart: NOW - 6 * HOUR, want: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(isSlotFinal(c.tier, c.slotStart, NOW)).toBe(c.want);
    });
  }
});

describe('validateTiers', () => {
  const t = (intervalS: number, maxSpanMs: number, historyMs: number, over: Partial<Tier> = {}): Tier => ({ intervalS, maxSpanMs, historyMs, delayMs: 0, revisionMs: 0, ...over });
  const cases: { name: string; tiers: Tier[]; want: string | undefined }[] = [
    { name: 'a single sound tier', tiers: [t(60, HOUR, DAY)], want: undefined },
    { name: 'the seed edition: 1-minute data, spans and history of 90 days', tiers: [t(60, 90 * DAY, 90 * DAY)], want: undefined },
    { name: 'empty', tiers: [], want: 'the tier table is empty' },
    { name: 'zero interval', tiers: [t(0, HOUR, DAY)], want: 'tier 0: every field must be a non-negative integer, interval and span positive' },
    { name: 'zero span', tiers: [t(60, 0, DAY)], want: 'tier 0: every field must be a non-negative integer, interval and span positive' },
    { name: 'negative delay', tiers: [t(60, HOUR, DAY, { delayMs: -1 })], want: 'tier 0: every field must be a non-negative integer, interval and span positive' },
    { name: 'fractional interval', tiers: [t(60.5, HOUR, DAY)], want: 'tier 0: every field must be a non-negative integer, interval and span positive' },
    { name: 'NaN history', tiers: [t(60, HOUR, Number.NaN)], want: 'tier 0: every field must be a non-negative integer, interval and span positive' },
    { name: 'span not a whole number of slots', tiers: [t(60, HOUR + 1000, DAY)], want: 'tier 0: span is not a whole number of slots' },
    { name: 'coarsest first', tiers: [t(300, DAY, DAY), t(60, HOUR, DAY)], want: 'tier 1: tiers must be ordered finest first with growing spans and histories' },
    { name: 'equal spans', tiers: [t(60, HOUR, DAY), t(300, HOUR, 2 * DAY)], want: 'tier 1: tiers must be ordered finest first with growing spans and histories' },
    { name: 'shrinking history', tiers: [t(60, HOUR, 2 * DAY), t(300, DAY, DAY)], want: 'tier 1: tiers must be ordered finest first with growing spans and histories' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(validateTiers(c.tiers)).toBe(c.want);
    });
  }
});
