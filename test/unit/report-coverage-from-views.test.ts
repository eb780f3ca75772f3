import { describe, expect, it } from 'vitest';
import { applyViewCoverage } from '../../src/report/coverage-from-views.js';
import { buildReportModel, type BucketRow } from '../../src/report/coverage-map.js';
import type { ReportFigures } from '../../src/report/report-figures.js';

const T0 = Date.UTC(2025, 5, 1);
const H = 3_600_000;
const row = (ts: number, intervalS: number, slots: number): BucketRow => ({ ts, domain: 'a.com', intervalS, slots, value: slots * 10, provisional: 0 });
const figures = (zone: string, covered: readonly [number, number][]): ReportFigures => ({
  zone,
  domains: [{ domain: 'a.com', series: covered.map(([ts, coveredS]) => ({ ts, bytes: 1, avgBps: 1, coveredS })), bytes: 0, truePeakBps: 0, p95: [] }],
  total: { series: [], bytes: 0, peakBps: 0, p95: [] },
});

describe('applyViewCoverage', () => {
  // Hour 0: the 1m/5m seam (5-minute slots to :45, 1-minute from :50); hour 1: 40 minutes only.
  const model = buildReportModel({ domains: ['a.com'], from: T0, to: T0 + 2 * H, rows: [row(T0, 300, 10), row(T0, 60, 10), row(T0 + H, 300, 8)], now: T0 + 30 * 24 * H });

  it('a seam hour the views cover is complete; a really partial hour stays partial', () => {
    expect(model.domains[0]!.cells.map((c) => c.status)).toEqual(['partial', 'partial']);
    const fixed = applyViewCoverage(model, figures('UTC', [[T0, 3600], [T0 + H, 2400]]));
    expect(fixed.domains[0]!.cells.map((c) => c.status)).toEqual(['complete', 'partial']);
    expect(fixed.domains[0]!.counts).toEqual({ complete: 1, provisional: 0, partial: 1, missing: 0, future: 0 });
  });

  it('cells and series match by start: hours in any zone, days of the same zone', () => {
    expect(applyViewCoverage(model, figures('Asia/Shanghai', [[T0, 3600]])).domains[0]!.cells[0]!.status).toBe('complete');
    // Daily cells of Shanghai start at 16:00 UTC; a UTC-day point covers none of them.
    const SH = T0 - 8 * H;
    const daily = buildReportModel({ domains: ['a.com'], from: SH, to: SH + 15 * 24 * H, rows: [row(SH, 300, 10)], now: T0 + 30 * 24 * H, zone: 'Asia/Shanghai' });
    expect(daily.domains[0]!.cells.map((c) => c.start).slice(0, 2)).toEqual([SH, SH + 24 * H]);
    expect(applyViewCoverage(daily, figures('Asia/Shanghai', [[T0, 86_400]])).domains[0]!.cells[0]!.status).toBe('partial');
    expect(applyViewCoverage(daily, figures('Asia/Shanghai', [[SH, 86_400]])).domains[0]!.cells[0]!.status).toBe('complete');
  });
});
