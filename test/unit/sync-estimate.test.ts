import { describe, expect, it } from 'vitest';
import { estimateSync, freshCallsPerDomainHour } from '../../src/sync/sync-estimate.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('freshCallsPerDomainHour', () => {
  it('measures what a fresh domain costs at each period with the sync planner', () => {
    // At 5 minutes: 2 hour-chunks per pass except the pass at :00 (the newest published minute is still in the
    // previous hour): 11 x 2 + 1 = 23.
    expect(freshCallsPerDomainHour(5 * MIN, 30 * MIN)).toBe(23);
    expect(freshCallsPerDomainHour(15 * MIN, 30 * MIN)).toBe(8);
    expect(freshCallsPerDomainHour(HOUR, 30 * MIN)).toBe(2);
    expect(freshCallsPerDomainHour(MIN, 30 * MIN)).toBe(115);
  });
});

describe('estimateSync', () => {
  it('36,000 archive domains fill 10 calls/s exactly and archive every 1-minute slot', () => {
    const e = estimateSync({ archiveDomains: 36_000, freshDomains: 0, everyMs: 5 * MIN, lookbackMs: 30 * MIN, callsPerSecond: 10 });
    expect(e).toMatchObject({ callsPerHour: 36_000, quotaShare: 1, keepsUp: true, effectivePeriodMs: 5 * MIN, passMs: 5 * MIN, archivesEveryFinestSlot: true, warnings: [] });
    // Block (1 h) + final (30 min) + phase (< 1 h) + period + pass.
    expect(e.archiveWatermarkLagMaxMs).toBe(2.5 * HOUR + 10 * MIN);
    expect(e.freshWatermarkLagMaxMs).toBeUndefined();
  });

  it('1,500 fresh domains at --every 5m take 96% of the quota and suggest archive mode', () => {
    const e = estimateSync({ archiveDomains: 0, freshDomains: 1500, everyMs: 5 * MIN, lookbackMs: 30 * MIN, callsPerSecond: 10 });
    expect(e.callsPerHour).toBe(34_500);
    expect(e.passMs).toBe(287_500);
    expect(e.freshNewestAgeMaxMs).toBe(5 * MIN + MIN + 5 * MIN + 287_500);
    expect(e.freshWatermarkLagMaxMs).toBe(30 * MIN + MIN + 5 * MIN + 287_500);
    expect(e.warnings).toEqual(['fresh mode costs 23.00 calls per domain-hour, archive mode 1.00: --mode archive (with --fresh-domains for the few that need it) scales to 36,000 domains']);
  });

  it('2,000 fresh domains run passes back to back, longer than --every', () => {
    const e = estimateSync({ archiveDomains: 0, freshDomains: 2000, everyMs: 5 * MIN, lookbackMs: 30 * MIN, callsPerSecond: 10 });
    expect(e.keepsUp).toBe(true);
    expect(e.effectivePeriodMs!).toBeGreaterThan(5 * MIN);
    expect(e.warnings[0]).toMatch(/^a pass lasts longer than --every: passes run back to back, every \d+ s$/);
  });

  it('warns when the selection needs more than the quota, with the time until 1-minute data is lost', () => {
    const e = estimateSync({ archiveDomains: 40_000, freshDomains: 0, everyMs: 5 * MIN, lookbackMs: 30 * MIN, callsPerSecond: 10 });
    expect(e.keepsUp).toBe(false);
    expect(e.archivesEveryFinestSlot).toBe(false);
    // The lag grows by 1 - 36,000/40,000 = 10% of elapsed time from 1.5 h to 7 days.
    expect(e.finestLossAfterMs).toBe((7 * DAY - 1.5 * HOUR) * 10);
    expect(e.warnings).toEqual(['the selection needs 11.11 calls/s, more than the quota of 10.00: the watermarks fall behind and 1-minute data starts to be lost after about 1665 h']);
  });

  it('refuses a period or quota of zero (exit 2)', () => {
    expect(() => estimateSync({ archiveDomains: 1, freshDomains: 0, everyMs: 0, lookbackMs: 0, callsPerSecond: 10 })).toThrow(/positive duration/);
    expect(() => estimateSync({ archiveDomains: 1, freshDomains: 0, everyMs: MIN, lookbackMs: 0, callsPerSecond: 0 })).toThrow(/calls per second/);
  });
});
