import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../../src/aliyun/tiers.js';
import { estimateBackfill } from '../../src/plan/estimate-backfill.js';
import { planBackfill, replanAtCoarserTier } from '../../src/plan/plan-backfill.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 6, 18, 0);

describe('estimateBackfill', () => {
  it('counts one call per chunk and the ETA of a backfill that keeps ahead of every horizon', () => {
    const e = estimateBackfill({ domainCount: 1, from: NOW - 3 * HOUR, to: NOW - HOUR, now: NOW, callsPerSecond: 10 });
    expect(e.calls).toBe(2);
    expect(e.plannedChunks).toBe(2);
    // Call 0 at once, call 1 at 100 ms.
    expect(e.etaMs).toBe(100);
    expect(e.finishesAt).toBe(NOW + 100);
    expect(e.tiers).toEqual([{ intervalS: 60, chunks: 2, plannedMs: 2 * HOUR, degradedChunks: 0, degradedMs: 0, degradedToS: undefined, lostChunks: 0, lostMs: 0 }]);
    expect(e.beyondHorizonMs).toBe(0);
    expect(e.notYetAvailableMs).toBe(0);
  });

  it('degrades the domains whose turn comes after the 1-minute horizon and counts the refused calls', () => {
    // Two 1-minute hours at the edge of the 7-day history: deadlines now + 1 h and now + 2 h.
    const from = NOW - 7 * DAY + HOUR;
    const e = estimateBackfill({ domainCount: 5000, from, to: from + 2 * HOUR, now: NOW, callsPerSecond: 1 });
    // Hour 1: calls 0..3600 are in time (3,601 domains); 1,399 are refused and fetched again at 5 minutes, one
    // more call each (calls 5,000..6,398). Hour 2: calls 6,399..11,398, in time up to call 7,200: 802 domains.
    expect(e.tiers).toEqual([
      { intervalS: 60, chunks: 10_000, plannedMs: 10_000 * HOUR, degradedChunks: 1399 + 4198, degradedMs: 5597 * HOUR, degradedToS: 300, lostChunks: 0, lostMs: 0 },
      { intervalS: 300, chunks: 5597, plannedMs: 5597 * HOUR, degradedChunks: 0, degradedMs: 0, degradedToS: undefined, lostChunks: 0, lostMs: 0 },
    ]);
    expect(e.calls).toBe(10_000 + 5597);
    expect(e.etaMs).toBe((10_000 + 5597 - 1) * 1000);
  });

  it('loses what no coarser tier holds: the oldest hourly block at the 186-day horizon', () => {
    const from = NOW - 186 * DAY + HOUR;
    const plan = planBackfill({ domains: ['a.example.com'], from, to: from + 31 * DAY, now: NOW });
    expect(plan.chunks.map((c) => c.intervalS)).toEqual([3600, 3600]);
    const first = plan.chunks[0]!;
    expect(first.callStart + 186 * DAY).toBe(NOW + HOUR);
    // 10,000 domains at 1 call/s: 3,601 of the first block's calls are in time (positions 0..3600); the refused
    // calls are spent, and nothing replaces them.
    const e = estimateBackfill({ domainCount: 10_000, from, to: from + 31 * DAY, now: NOW, callsPerSecond: 1 });
    const hourly = e.tiers.find((t) => t.intervalS === 3600)!;
    expect(hourly.lostChunks).toBe(10_000 - 3601);
    expect(hourly.lostMs).toBe((10_000 - 3601) * (first.end - first.start));
    expect(hourly.degradedChunks).toBe(0);
    expect(e.calls).toBe(20_000);
    expect(e.beyondHorizonMs).toBe(0);
  });

  it('agrees with walking every chunk of the real plan in order', () => {
    const names = Array.from({ length: 40 }, (_, i) => `d${String(i).padStart(2, '0')}.example.com`);
    const from = NOW - 8 * DAY;
    const to = NOW - 6 * DAY;
    const rate = 0.01; // one call per 100 s: the 40 domains of an hour take 4,000 s, more than the hour between deadlines
    const plan = planBackfill({ domains: names, from, to, now: NOW });
    // Brute force over chunks: position p is called at NOW + p / rate; refusals and replacements are made after
    // the block of equal deadlines, as the estimator assumes.
    const history = new Map(DEFAULT_TIERS.map((t) => [t.intervalS, t.historyMs]));
    let p = 0;
    let extra = 0;
    let degraded = 0;
    let lastDeadline = Number.NaN;
    for (const c of plan.chunks) {
      const deadline = c.callStart + history.get(c.intervalS)!;
      if (deadline !== lastDeadline) {
        p += extra;
        extra = 0;
        lastDeadline = deadline;
      }
      const at = NOW + (p * 1000) / rate;
      if (at > deadline) {
        degraded++;
        extra += replanAtCoarserTier(c, at)!.length;
      }
      p++;
    }
    p += extra;
    const e = estimateBackfill({ domainCount: names.length, from, to, now: NOW, callsPerSecond: rate });
    expect(degraded).toBeGreaterThan(0);
    expect(e.plannedChunks).toBe(plan.chunks.length);
    expect(e.calls).toBe(p);
    expect(e.tiers.reduce((s, t) => s + t.degradedChunks + t.lostChunks, 0)).toBe(degraded);
  });

  it('reports the parts no tier holds, per domain-time', () => {
    const e = estimateBackfill({ domainCount: 3, from: NOW - 200 * DAY, to: NOW, now: NOW, callsPerSecond: 10 });
    // Older than 186 days + 1 h margin (on the hourly grid), and the newest 5 minutes (not published yet).
    expect(e.beyondHorizonMs).toBe(3 * (14 * DAY + HOUR));
    expect(e.notYetAvailableMs).toBe(3 * 5 * MIN);
  });

  it('estimates 10,000 domains x 186 days from one domain\'s templates', () => {
    const e = estimateBackfill({ domainCount: 10_000, from: NOW - 186 * DAY, to: NOW, now: NOW, callsPerSecond: 10 });
    const one = planBackfill({ domains: ['a.example.com'], from: NOW - 186 * DAY, to: NOW, now: NOW });
    expect(e.plannedChunks).toBe(10_000 * one.chunks.length);
    expect(e.calls).toBe(2_000_000);
    expect(e.etaMs).toBe(199_999_900);
    expect(e.tiers.map((t) => [t.intervalS, t.chunks, t.degradedChunks, t.lostChunks])).toEqual([
      [60, 1_670_000, 0, 0],
      [300, 290_000, 0, 0],
      [3600, 40_000, 0, 0],
    ]);
  });

  it('refuses a rate with nothing left and an empty domain list (exit 2)', () => {
    expect(() => estimateBackfill({ domainCount: 1, from: NOW - HOUR, to: NOW, now: NOW, callsPerSecond: 0 })).toThrow(/no API calls per second/);
    expect(() => estimateBackfill({ domainCount: 0, from: NOW - HOUR, to: NOW, now: NOW, callsPerSecond: 1 })).toThrow(/at least one domain/);
  });
});
