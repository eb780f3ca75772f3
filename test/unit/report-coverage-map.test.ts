import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, isSlotFinal } from '../../src/aliyun/tiers.js';
import { alignRange, buildReportModel, chooseBucket, classifyCell, finalAgeMs, type BucketRow } from '../../src/report/coverage-map.js';

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 1);
const NOW = Date.UTC(2025, 6, 1);
const row = (intervalS: number, slots: number, value: number, provisional = 0, ts = T0, domain = 'a.com'): BucketRow => ({ ts, domain, intervalS, slots, value, provisional });

describe('classifyCell', () => {
  const cases: { name: string; rows: BucketRow[]; now?: number; expected: { status: string; intervalS: number | undefined; slots: number; expectedSlots: number; value: number } }[] = [
    { name: 'nothing archived, in the past: missing', rows: [], expected: { status: 'missing', intervalS: undefined, slots: 0, expectedSlots: 0, value: 0 } },
    { name: 'nothing archived, at or after now: future', rows: [], now: T0, expected: { status: 'future', intervalS: undefined, slots: 0, expectedSlots: 0, value: 0 } },
    { name: 'complete 1-minute hour', rows: [row(60, 60, 600)], expected: { status: 'complete', intervalS: 60, slots: 60, expectedSlots: 60, value: 600 } },
    { name: 'complete at 1 and 5 minutes: the finest wins', rows: [row(300, 12, 999), row(60, 60, 600)], expected: { status: 'complete', intervalS: 60, slots: 60, expectedSlots: 60, value: 600 } },
    { name: 'partial 1-minute, complete 5-minute: the complete one wins', rows: [row(60, 40, 400), row(300, 12, 999)], expected: { status: 'complete', intervalS: 300, slots: 12, expectedSlots: 12, value: 999 } },
    { name: 'only part of the hour: partial', rows: [row(300, 11, 110)], expected: { status: 'partial', intervalS: 300, slots: 11, expectedSlots: 12, value: 110 } },
    { name: 'complete but a slot fetched early: provisional', rows: [row(3600, 1, 5, 1)], expected: { status: 'provisional', intervalS: 3600, slots: 1, expectedSlots: 1, value: 5 } },
    { name: 'provisional slots of a resolution not chosen do not matter', rows: [row(60, 60, 600), row(300, 12, 999, 3)], expected: { status: 'complete', intervalS: 60, slots: 60, expectedSlots: 60, value: 600 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cell = classifyCell(T0, T0 + H, c.rows, c.now ?? NOW);
      expect({ status: cell.status, intervalS: cell.intervalS, slots: cell.slots, expectedSlots: cell.expectedSlots, value: cell.value }).toEqual(c.expected);
    });
  }
});

describe('ranges and buckets', () => {
  const cases = [
    { name: 'two days: hours', from: T0, to: T0 + 48 * H, bucket: 'hour' },
    { name: 'exactly 14 days: hours', from: T0, to: T0 + 14 * 24 * H, bucket: 'hour' },
    { name: '14 days and an hour: days', from: T0, to: T0 + 14 * 24 * H + H, bucket: 'day' },
  ] as const;
  for (const c of cases) it(c.name, () => expect(chooseBucket(c.from, c.to)).toBe(c.bucket));

  it('widens a range to whole buckets', () => {
    expect(alignRange(T0 + 30 * 60_000, T0 + 2 * H + 1, 'hour')).toEqual({ from: T0, to: T0 + 3 * H });
    expect(alignRange(T0 + H, T0 + 25 * H, 'day')).toEqual({ from: T0, to: T0 + 48 * H });
  });
});

describe('finalAgeMs matches isSlotFinal', () => {
  for (const tier of DEFAULT_TIERS) {
    it(`${tier.intervalS} s`, () => {
      const age = finalAgeMs(tier);
      expect(isSlotFinal(tier, T0, T0 + age)).toBe(true);
      expect(isSlotFinal(tier, T0, T0 + age - 1)).toBe(false);
    });
  }
});

describe('buildReportModel', () => {
  it('one cell per domain and hour, totals from the chosen resolution only, hole counted as missing', () => {
    const rows = [
      row(60, 60, 600, 0, T0),
      row(300, 12, 1_200, 0, T0), // same hour at 5 minutes: not added
      row(300, 12, 2_400, 0, T0 + H),
      // T0 + 2h: nothing (the hole)
      row(3600, 1, 7_200, 1, T0 + 3 * H),
      row(60, 60, 60, 0, T0, 'b.com'),
    ];
    const model = buildReportModel({ domains: ['a.com', 'b.com'], from: T0, to: T0 + 4 * H, rows, now: NOW });
    expect(model.bucket).toBe('hour');
    const a = model.domains[0]!;
    expect(a.cells.map((c) => [c.status, c.intervalS])).toEqual([
      ['complete', 60],
      ['complete', 300],
      ['missing', undefined],
      ['provisional', 3600],
    ]);
    expect(a.totalBytes).toBe(600 + 2_400 + 7_200);
    // Values are bytes: 7200 bytes over an hour is 16 bit/s.
    expect(a.peakBps).toBe(16);
    expect(a.counts).toEqual({ complete: 2, provisional: 1, partial: 0, missing: 1, future: 0 });
    expect([...a.byResolution.entries()]).toEqual([[60, 1], [300, 1], [3600, 1]]);
    expect(model.domains[1]!.counts).toEqual({ complete: 1, provisional: 0, partial: 0, missing: 3, future: 0 });
  });

  it('refuses rows of a domain not asked for', () => {
    expect(() => buildReportModel({ domains: ['a.com'], from: T0, to: T0 + H, rows: [row(60, 1, 1, 0, T0, 'x.com')], now: NOW })).toThrow(
      expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }),
    );
  });
});
