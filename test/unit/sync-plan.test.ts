import { describe, expect, it } from 'vitest';
import type { Chunk, UnavailableRange } from '../../src/core/model.js';
import { chunkId } from '../../src/plan/chunk-id.js';
import { advanceWatermark, coarseRanges, defaultLookbackMs, initialWatermark, planSyncPass, type DomainPassRange, type DomainWatermark } from '../../src/sync/sync-plan.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 29, 12, 0);
const at = (h: number, m = 0): number => Date.UTC(2026, 10, 29, h, m);
const A = 'a.example.com';
const B = 'b.example.com';

function wm(watermark: number, floor = 0): Map<string, DomainWatermark> {
  return new Map([[A, { watermark, floor, updatedAt: 0 }]]);
}

function chunk(domain: string, intervalS: number, start: number, end: number): Chunk {
  return { id: chunkId(domain, intervalS, start, end), domain, intervalS, start, end, callStart: start, callEnd: end - intervalS * 1000 };
}

describe('planSyncPass', () => {
  it('fetches from the watermark minus the lookback, floored to the hour, up to the newest published minute', () => {
    const plan = planSyncPass({ domains: [A], watermarks: wm(at(11)), now: NOW, lookbackMs: 30 * MIN });
    expect(plan.ranges).toEqual([{ domain: A, watermark: at(11), floor: 0, from: at(10), to: at(11, 55) }]);
    expect(plan.chunks.map((c) => [c.intervalS, c.start, c.end, c.callStart, c.callEnd])).toEqual([
      [60, at(10), at(11), at(10), at(10, 59)],
      [60, at(11), at(11, 55), at(11), at(11, 54)],
    ]);
    expect(plan.unavailable).toEqual([]);
    expect(plan.coarse).toEqual([]);
  });

  it('never fetches before the floor (a new domain starts at --since)', () => {
    const plan = planSyncPass({ domains: [A], watermarks: wm(at(11, 20), at(11, 20)), now: NOW, lookbackMs: 30 * MIN });
    expect(plan.ranges[0]).toMatchObject({ from: at(11, 20), to: at(11, 55) });
    expect(plan.chunks.map((c) => [c.start, c.end])).toEqual([[at(11, 20), at(11, 55)]]);
  });

  it('plans nothing for a domain whose first slot is not published yet', () => {
    const plan = planSyncPass({ domains: [A], watermarks: wm(at(12), at(12)), now: NOW, lookbackMs: 30 * MIN });
    expect(plan.ranges).toEqual([{ domain: A, watermark: at(12), floor: at(12), from: at(11, 55), to: at(11, 55) }]);
    expect(plan.chunks).toEqual([]);
  });

  it('catches up a sync down for 8 days with 5-minute data before the 1-minute horizon and reports it', () => {
    const w = NOW - 8 * DAY;
    const plan = planSyncPass({ domains: [A], watermarks: wm(w), now: NOW, lookbackMs: 30 * MIN });
    // 1-minute data from now - 7 days + 1 h margin (on the 5-minute grid); 5-minute data before it.
    const boundary = NOW - 7 * DAY + HOUR;
    expect(plan.coarse).toEqual([{ domain: A, intervalS: 300, start: w - HOUR, end: boundary }]);
    const fine = plan.chunks.filter((c) => c.intervalS === 60).sort((x, y) => x.start - y.start);
    expect(fine[0]!.start).toBe(boundary);
    expect(fine[fine.length - 1]!.end).toBe(at(11, 55));
    expect(fine.length).toBe(7 * 24 - 1);
    expect(plan.unavailable).toEqual([]);
  });

  it('plans every domain from its own watermark', () => {
    const watermarks = new Map<string, DomainWatermark>([
      [A, { watermark: at(11), floor: 0, updatedAt: 0 }],
      [B, { watermark: at(9, 10), floor: 0, updatedAt: 0 }],
    ]);
    const plan = planSyncPass({ domains: [A, B], watermarks, now: NOW, lookbackMs: 30 * MIN });
    expect(plan.ranges.map((r) => [r.domain, r.from, r.to])).toEqual([
      [A, at(10), at(11, 55)],
      [B, at(8), at(11, 55)],
    ]);
    expect(plan.chunks.filter((c) => c.domain === B).length).toBe(4);
  });

  it('refuses a domain without a watermark', () => {
    expect(() => planSyncPass({ domains: [B], watermarks: wm(at(11)), now: NOW, lookbackMs: 0 })).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });

  it('refuses a negative lookback', () => {
    expect(() => planSyncPass({ domains: [A], watermarks: wm(at(11)), now: NOW, lookbackMs: -1 })).toThrowError('--lookback: must be a non-negative duration');
  });
});

describe('initialWatermark and defaultLookbackMs', () => {
  it('starts at --since when given', () => {
    expect(initialWatermark(NOW, at(3, 7), 5)).toEqual({ watermark: at(3, 7), floor: at(3, 7), updatedAt: 5 });
  });
  it('starts at now floored to the minute otherwise', () => {
    expect(initialWatermark(NOW + 59_999, undefined, 5)).toEqual({ watermark: NOW, floor: NOW, updatedAt: 5 });
  });
  it('default lookback is the 1-minute delay plus revision window: 30 minutes', () => {
    expect(defaultLookbackMs()).toBe(30 * MIN);
  });
});

describe('advanceWatermark', () => {
  const range = (watermark: number, from = at(10), floor = 0): DomainPassRange => ({ domain: A, watermark, floor, from, to: at(11, 55) });
  const h10 = chunk(A, 60, at(10), at(11));
  const h11 = chunk(A, 60, at(11), at(11, 55));
  const cases: { name: string; range: DomainPassRange; results: { chunk: Chunk; ok: boolean }[]; unavailable?: UnavailableRange[]; expected: number }[] = [
    { name: 'advances to the end of the last final slot (now - 5 min delay - 25 min revision)', range: range(at(11)), results: [{ chunk: h10, ok: true }, { chunk: h11, ok: true }], expected: at(11, 30) },
    { name: 'a failed chunk after the watermark holds it back', range: range(at(11)), results: [{ chunk: h10, ok: true }, { chunk: h11, ok: false }], expected: at(11) },
    { name: 'a failed chunk wholly before the watermark does not', range: range(at(11)), results: [{ chunk: h10, ok: false }, { chunk: h11, ok: true }], expected: at(11, 30) },
    { name: 'a failed chunk holding the watermark stops it there', range: range(at(10, 20)), results: [{ chunk: h10, ok: false }, { chunk: h11, ok: true }], expected: at(10, 20) },
    { name: 'an unfinished chunk (missing from the results) stops it', range: range(at(10, 20)), results: [{ chunk: h11, ok: true }], expected: at(10, 20) },
    { name: 'never moves backwards', range: range(at(11, 40)), results: [{ chunk: h10, ok: true }, { chunk: h11, ok: true }], expected: at(11, 40) },
    { name: 'chunks of other domains are ignored', range: range(at(11)), results: [{ chunk: chunk(B, 60, at(11), at(11, 55)), ok: true }], expected: at(11) },
    {
      name: 'parts beyond every horizon are passed over',
      range: range(at(8), at(8)),
      results: [{ chunk: h10, ok: true }],
      unavailable: [{ domain: A, start: at(8), end: at(10), reason: 'beyond-horizon' }],
      expected: at(11),
    },
    {
      name: 'parts not yet published are not',
      range: range(at(10)),
      results: [{ chunk: chunk(A, 60, at(10), at(10, 30)), ok: true }],
      unavailable: [{ domain: A, start: at(10, 30), end: at(11), reason: 'not-yet-available' }, { domain: A, start: at(11), end: at(11, 10), reason: 'beyond-horizon' }],
      expected: at(10, 30),
    },
    {
      name: 'the partial coarse slot at a domain\'s off-grid floor is skipped',
      range: range(at(10, 27), at(10, 27), at(10, 27)),
      results: [{ chunk: chunk(A, 300, at(10, 30), at(11)), ok: true }],
      expected: at(11),
    },
    {
      name: 'a gap after the watermark that is not a partial floor slot is not skipped',
      range: range(at(10, 27), at(10), 0),
      results: [{ chunk: chunk(A, 300, at(10, 30), at(11)), ok: true }],
      expected: at(10, 27),
    },
    {
      name: '5-minute slots count as final after their own delay and revision (60 min)',
      range: range(at(10)),
      results: [{ chunk: chunk(A, 300, at(10), at(11, 30)), ok: true }],
      expected: at(11),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(advanceWatermark({ range: c.range, results: c.results, unavailable: c.unavailable ?? [], now: NOW })).toBe(c.expected);
    });
  }
});

describe('coarseRanges', () => {
  it('merges adjacent coarse chunks per domain and interval and leaves out 1-minute chunks', () => {
    const chunks = [
      chunk(B, 300, at(0), at(3)),
      chunk(A, 300, at(3), at(6)),
      chunk(A, 300, at(0), at(3)),
      chunk(A, 3600, at(0), at(1)),
      chunk(A, 60, at(6), at(7)),
      chunk(A, 300, at(8), at(9)),
    ];
    expect(coarseRanges(chunks)).toEqual([
      { domain: A, intervalS: 300, start: at(0), end: at(6) },
      { domain: A, intervalS: 300, start: at(8), end: at(9) },
      { domain: A, intervalS: 3600, start: at(0), end: at(1) },
      { domain: B, intervalS: 300, start: at(0), end: at(3) },
    ]);
  });
});
