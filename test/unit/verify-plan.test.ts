import { describe, expect, it } from 'vitest';
import { compareSlots, driftTable, isCheckable, planVerifyCalls, sampleSlots, type ArchivedSlot } from '../../src/plan/verify-plan.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 1, 12);
const slot = (ts: number, intervalS: number, fetchedAt = NOW, value = 100): ArchivedSlot => ({ ts, intervalS, value, fetchedAt });

describe('verify: which slots are checkable', () => {
  it.each([
    ['a final 1-minute slot of yesterday', slot(NOW - DAY, 60), true],
    ['a 1-minute slot fetched 10 minutes after it began (still provisional then)', slot(NOW - DAY, 60, NOW - DAY + 10 * MIN), false],
    ['a 1-minute slot fetched exactly when final (1 + 5 + 25 minutes)', slot(NOW - DAY, 60, NOW - DAY + 31 * MIN), true],
    ['a 1-minute slot beyond the 7-day horizon less the margin', slot(NOW - 7 * DAY + 30 * MIN, 60), false],
    ['a 5-minute slot of 90 days ago', slot(NOW - 90 * DAY, 300), true],
    ['a 5-minute slot of 95 days ago (the API keeps 93)', slot(NOW - 95 * DAY, 300), false],
    ['an hourly slot of 180 days ago', slot(NOW - 180 * DAY, 3600), true],
    ['an hourly slot of 187 days ago', slot(NOW - 187 * DAY, 3600), false],
    ['an unknown resolution', slot(NOW - DAY, 120), false],
  ])('%s: %s', (_name, s, want) => {
    expect(isCheckable(s, NOW)).toBe(want);
  });
});

describe('verify: sample, calls, drift', () => {
  const slots = [...Array.from({ length: 10 }, (_, i) => slot(NOW - DAY + i * MIN, 60)), ...Array.from({ length: 4 }, (_, i) => slot(NOW - 10 * DAY + i * 5 * MIN, 300))];

  it('samples evenly in (interval, ts) order, or takes all', () => {
    expect(sampleSlots(slots, 3).map((s) => [s.intervalS, (s.ts - slots[0]!.ts) / MIN])).toEqual([
      [60, 0],
      [60, 4],
      [60, 9],
    ]);
    expect(sampleSlots(slots, 7).map((s) => s.intervalS)).toEqual([60, 60, 60, 60, 60, 300, 300]);
    expect(sampleSlots(slots, undefined)).toHaveLength(14);
    expect(sampleSlots(slots, 99)).toHaveLength(14);
  });

  it('one call per tier-wide window: the span selects the stored resolution', () => {
    const calls = planVerifyCalls(slots, NOW);
    expect(calls.map((c) => ({ intervalS: c.intervalS, start: c.start, span: c.end - c.start, slots: c.slots.length }))).toEqual([
      { intervalS: 60, start: NOW - DAY, span: HOUR, slots: 10 },
      { intervalS: 300, start: NOW - 10 * DAY, span: 3 * DAY, slots: 4 },
    ]);
    // A recent slot: the window ends before the data delay rather than in the future.
    const [recent] = planVerifyCalls([slot(NOW - 40 * MIN, 60)], NOW);
    expect([recent!.start, recent!.end]).toEqual([NOW - 5 * MIN - HOUR, NOW - 5 * MIN]);
  });

  it('compares value by value and sums up per resolution', () => {
    const checks = compareSlots(slots.slice(0, 3), new Map([[slots[0]!.ts, 100], [slots[1]!.ts, 107]]));
    expect(checks.map((c) => [c.verdict, c.apiValue])).toEqual([['match', 100], ['mismatch', 107], ['absent', undefined]]);
    expect(driftTable('a.com', checks)).toEqual([{ domain: 'a.com', intervalS: 60, checked: 3, matched: 1, mismatched: 1, absent: 1, maxDrift: 7 }]);
  });
});
