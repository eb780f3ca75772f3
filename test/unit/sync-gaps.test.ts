import { describe, expect, it } from 'vitest';
import { findGaps, mergeGaps, type PresentSlot } from '../../src/gaps/find-gaps.js';
import { planRepair } from '../../src/gaps/repair-plan.js';
import { presentSlotsSql } from '../../src/gaps/gaps-reader.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 10, 29, 0, 0);
const m = (n: number): number => T + n * MIN;
const minutes = (...ns: number[]): PresentSlot[] => ns.map((n) => ({ ts: m(n), intervalS: 60 }));
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('findGaps', () => {
  const cases: { name: string; present: PresentSlot[]; from: number; to: number; gridS: number; expected: [number, number][] }[] = [
    { name: 'nothing present: the whole range', present: [], from: m(0), to: m(10), gridS: 60, expected: [[0, 10]] },
    { name: 'everything present: no gap', present: minutes(...range(0, 10)), from: m(0), to: m(10), gridS: 60, expected: [] },
    { name: 'holes become ranges, not minute lists', present: minutes(0, 3, 4, 9), from: m(0), to: m(10), gridS: 60, expected: [[1, 3], [5, 9]] },
    { name: 'a hole at each end', present: minutes(...range(2, 8)), from: m(0), to: m(10), gridS: 60, expected: [[0, 2], [8, 10]] },
    { name: 'coarser slots cover their whole length', present: [{ ts: m(0), intervalS: 300 }, { ts: m(5), intervalS: 60 }], from: m(0), to: m(10), gridS: 60, expected: [[6, 10]] },
    { name: 'an hourly slot that starts before the range covers into it', present: [{ ts: m(-30), intervalS: 3600 }], from: m(0), to: m(40), gridS: 60, expected: [[30, 40]] },
    { name: 'off-grid bounds are rounded inward', present: minutes(1), from: m(0) + 30_000, to: m(4) + 10_000, gridS: 60, expected: [[2, 4]] },
    { name: 'an empty range after rounding has no gap', present: [], from: m(0) + 1, to: m(1) - 1, gridS: 60, expected: [] },
    { name: 'on a 5-minute grid, minutes that only partly cover a step leave it missing', present: minutes(0, 1, 2, 3, 4, 5, 6), from: m(0), to: m(15), gridS: 300, expected: [[5, 15]] },
    { name: 'duplicates and unsorted input', present: minutes(7, 2, 2, 3, 1, 0), from: m(0), to: m(8), gridS: 60, expected: [[4, 7]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(findGaps(c.present, c.from, c.to, c.gridS)).toEqual(c.expected.map(([a, b]) => ({ start: m(a), end: m(b) })));
    });
  }
});

describe('mergeGaps', () => {
  it('joins touching and overlapping ranges, oldest first', () => {
    expect(mergeGaps([{ start: 5, end: 7 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 6, end: 9 }])).toEqual([{ start: 0, end: 3 }, { start: 5, end: 9 }]);
  });
});

describe('planRepair', () => {
  const NOW = Date.UTC(2026, 10, 29, 12, 0);
  const A = 'a.example.com';
  it('refills a recent hole with the whole 1-minute hour around it, one chunk per hour', () => {
    const gaps = [{ start: NOW - 5 * HOUR + 10 * MIN, end: NOW - 5 * HOUR + 20 * MIN }, { start: NOW - 5 * HOUR + 40 * MIN, end: NOW - 4 * HOUR + 5 * MIN }];
    const plan = planRepair([{ domain: A, gaps }], NOW);
    expect(plan.chunks.map((c) => [c.intervalS, c.start, c.end])).toEqual([
      [60, NOW - 5 * HOUR, NOW - 4 * HOUR],
      [60, NOW - 4 * HOUR, NOW - 3 * HOUR],
    ]);
    expect(plan.unavailable).toEqual([]);
  });

  it('refills a hole older than the 1-minute horizon with the 5-minute slots around it', () => {
    const start = NOW - 10 * DAY + 12 * MIN;
    const plan = planRepair([{ domain: A, gaps: [{ start, end: start + 20 * MIN }] }], NOW);
    expect(plan.chunks.map((c) => [c.intervalS, c.start, c.end])).toEqual([[300, NOW - 10 * DAY, NOW - 10 * DAY + HOUR]]);
  });

  it('names the parts the API no longer has, clipped to the gaps', () => {
    const start = NOW - 200 * DAY;
    const plan = planRepair([{ domain: A, gaps: [{ start, end: start + 30 * MIN }] }], NOW);
    expect(plan.chunks).toEqual([]);
    expect(plan.unavailable).toEqual([{ domain: A, start, end: start + 30 * MIN, reason: 'beyond-horizon' }]);
  });

  it('plans nothing for no gaps', () => {
    expect(planRepair([{ domain: A, gaps: [] }], NOW)).toEqual({ chunks: [], unavailable: [] });
  });
});

describe('presentSlotsSql', () => {
  it('binds every value', () => {
    expect(presentSlotsSql(false)).toBe('SELECT ts, interval_s FROM cdn_src_traffic WHERE domain = $1 AND ts >= $2 AND ts < $3 ORDER BY ts');
    expect(presentSlotsSql(true)).toBe('SELECT ts, interval_s FROM cdn_src_traffic WHERE domain = $1 AND ts >= $2 AND ts < $3 AND interval_s = $4 ORDER BY ts');
  });
  it('refuses a table name that is not plain', () => {
    expect(() => presentSlotsSql(false, 'x; drop')).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });
});
