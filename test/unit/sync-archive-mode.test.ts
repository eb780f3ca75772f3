import { describe, expect, it } from 'vitest';
import { advanceWatermark, archiveEnd, archivePhaseMs, planSyncPass, type DomainWatermark } from '../../src/sync/sync-plan.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (h: number, m = 0): number => Date.UTC(2026, 10, 29, h, m);
const A = 'a.example.com';
const B = 'b.example.com';

function wms(entries: [string, number][]): Map<string, DomainWatermark> {
  return new Map(entries.map(([d, w]) => [d, { watermark: w, floor: 0, updatedAt: 0 }]));
}

describe('archive mode', () => {
  it('gives each domain a stable phase in whole minutes within the hour, spread over the hour', () => {
    const names = Array.from({ length: 6000 }, (_, i) => `d${i}.example.com`);
    const phases = names.map((d) => archivePhaseMs(d));
    expect(phases.every((p) => p >= 0 && p < HOUR && p % MIN === 0)).toBe(true);
    expect(archivePhaseMs(A)).toBe(archivePhaseMs(A));
    // 6,000 names over 60 minutes: every minute gets some (100 on average).
    const perMinute = new Map<number, number>();
    for (const p of phases) perMinute.set(p, (perMinute.get(p) ?? 0) + 1);
    expect(perMinute.size).toBe(60);
    expect(Math.max(...perMinute.values())).toBeLessThan(200);
  });

  it('fetches an hour once it has been final for the domain\'s phase, and nothing before', () => {
    const phase = archivePhaseMs(A);
    // 11:00-12:00 is final at 12:30 (5 min delay + 25 min revision); the domain takes it at 12:30 + phase.
    const due = at(12, 30) + phase;
    expect(archiveEnd(due, phase)).toBe(at(12));
    expect(archiveEnd(due - 1, phase)).toBe(at(11));
    const before = planSyncPass({ domains: [A], watermarks: wms([[A, at(11)]]), now: due - MIN, lookbackMs: 30 * MIN, mode: 'archive' });
    expect(before.chunks).toEqual([]);
    expect(before.ranges).toEqual([{ domain: A, watermark: at(11), floor: 0, from: at(11), to: at(11) }]);
    const plan = planSyncPass({ domains: [A], watermarks: wms([[A, at(11)]]), now: due, lookbackMs: 30 * MIN, mode: 'archive' });
    expect(plan.chunks.map((c) => [c.intervalS, c.start, c.end])).toEqual([[60, at(11), at(12)]]);
    // All of it final: the watermark moves over the whole hour.
    expect(advanceWatermark({ range: plan.ranges[0]!, results: plan.chunks.map((chunk) => ({ chunk, ok: true })), unavailable: [], now: due })).toBe(at(12));
  });

  it('keeps the domains named in freshDomains fresh: the trailing window up to the newest published minute', () => {
    const now = at(14);
    const plan = planSyncPass({ domains: [A, B], watermarks: wms([[A, at(13)], [B, at(12)]]), now, lookbackMs: 30 * MIN, mode: 'archive', freshDomains: [A] });
    expect(plan.ranges[0]).toEqual({ domain: A, watermark: at(13), floor: 0, from: at(12), to: at(13, 55) });
    const bEnd = archiveEnd(now, archivePhaseMs(B));
    expect(plan.ranges[1]).toEqual({ domain: B, watermark: at(12), floor: 0, from: at(12), to: bEnd });
    expect(plan.chunks.filter((c) => c.domain === A).length).toBe(2);
    expect(plan.chunks.filter((c) => c.domain === B).length).toBe((bEnd - at(12)) / HOUR);
  });

  it('fetches each hour of a day exactly once, final, at one call per domain-hour (fresh: 23)', () => {
    const start = Date.UTC(2026, 10, 1);
    for (const mode of ['archive', 'fresh'] as const) {
      let wm: DomainWatermark = { watermark: start, floor: start, updatedAt: 0 };
      const fetched: [number, number, number][] = [];
      // Two days of passes every 5 minutes; count the second day's.
      for (let now = start; now < start + 2 * DAY; now += 5 * MIN) {
        const plan = planSyncPass({ domains: [A], watermarks: new Map([[A, wm]]), now, lookbackMs: 30 * MIN, mode });
        if (now >= start + DAY) fetched.push(...plan.chunks.map((c): [number, number, number] => [c.start, c.end, now]));
        wm = { ...wm, watermark: advanceWatermark({ range: plan.ranges[0]!, results: plan.chunks.map((chunk) => ({ chunk, ok: true })), unavailable: [], now }) };
      }
      if (mode === 'archive') {
        expect(fetched.length).toBe(24);
        expect(new Set(fetched.map(([s]) => s)).size).toBe(24);
        expect(fetched.every(([s, e, now]) => e - s === HOUR && e + 30 * MIN <= now)).toBe(true);
      } else {
        expect(fetched.length).toBe(23 * 24);
      }
    }
  });
});
