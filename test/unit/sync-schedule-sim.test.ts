import { describe, expect, it } from 'vitest';
import { advanceWatermark, archiveEnd, archivePhaseMs, planSyncPass, type DomainWatermark } from '../../src/sync/sync-plan.js';
import { simulateArchiveSchedule } from '../../src/sync/sync-schedule-sim.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 10, 1);
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `d${String(i).padStart(4, '0')}.example.com`);

describe('simulateArchiveSchedule', () => {
  it('archives every 1-minute slot of 240 domains for 8 days at exactly one call per domain-hour of quota', () => {
    const domains = names(240);
    const r = simulateArchiveSchedule({ domains, start: START, durationMs: 8 * DAY, callsPerSecond: 240 / 3600, everyMs: 5 * MIN });
    expect(r.expiredBlocks).toBe(0);
    expect(r.outOfOrderBlocks).toBe(0);
    expect(r.provisionalBlocks).toBe(0);
    expect(r.missedBlocks).toBe(0);
    // Every hour from the start to each domain's watermark was fetched exactly once, at 1 minute (no gap, no
    // second fetch: outOfOrderBlocks is 0), and each watermark holds every hour due at the last pass.
    const archived = r.watermarks.reduce((s, w) => s + (w - START) / HOUR, 0);
    expect(r.archivedBlocks).toBe(archived);
    expect(r.calls).toBe(archived);
    domains.forEach((d, i) => expect(r.watermarks[i]).toBe(archiveEnd(r.lastPassStart, archivePhaseMs(d))));
    // At least 8 days minus the last 2.5 hours (final + phase + the pass period) per domain.
    expect(Math.min(...r.watermarks)).toBeGreaterThanOrEqual(START + 8 * DAY - 150 * MIN);
    expect(r.lag.maxMs).toBeLessThan(3 * HOUR);
    // The phases spread the domains over the hour: no pass fetches every domain's hour at once (37 of 240 at most
    // with these names; a twelfth is 20, a pass that ran long leaves more for the next).
    expect(r.maxCallsPerPass).toBe(37);
  });

  it('falls behind and loses 1-minute slots when the selection needs four times the quota', () => {
    const r = simulateArchiveSchedule({ domains: names(480), start: START, durationMs: 12 * DAY, callsPerSecond: 120 / 3600, everyMs: 5 * MIN });
    expect(r.expiredBlocks).toBeGreaterThan(0);
    expect(r.archivedBlocks + r.expiredBlocks).toBe(r.calls);
    // Passes grow to days: the watermarks lag days behind instead of hours.
    expect(r.lag.maxMs).toBeGreaterThan(3 * DAY);
  });

  it('plans the same hours as planSyncPass in archive mode, pass by pass', () => {
    const domains = names(30);
    const every = 5 * MIN;
    const duration = 2 * DAY;
    // A rate so high that every pass ends at once, as the loop below assumes.
    const r = simulateArchiveSchedule({ domains, start: START, durationMs: duration, callsPerSecond: 1e9, everyMs: every });
    const wm = new Map<string, DomainWatermark>(domains.map((d) => [d, { watermark: START, floor: START, updatedAt: 0 }]));
    let calls = 0;
    for (let now = START; now < START + duration; now += every) {
      const plan = planSyncPass({ domains, watermarks: wm, now, lookbackMs: 30 * MIN, mode: 'archive' });
      calls += plan.chunks.length;
      for (const range of plan.ranges) {
        const results = plan.chunks.filter((c) => c.domain === range.domain).map((chunk) => ({ chunk, ok: true }));
        wm.set(range.domain, { ...wm.get(range.domain)!, watermark: advanceWatermark({ range, results, unavailable: [], now }) });
      }
    }
    expect(r.calls).toBe(calls);
    expect(r.watermarks).toEqual(domains.map((d) => wm.get(d)!.watermark));
  });
});
