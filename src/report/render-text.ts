/** The report's summary as plain text for a terminal: the same figures as the HTML file. Pure. */
import { CELL_STATUSES, type CoverageCell, type ReportModel } from './coverage-map.js';
import type { ReportFigures } from './report-figures.js';
import { formatBandwidth, formatInterval, formatInZone, formatTraffic } from './report-format.js';

/** At most this many gap lines per domain; the rest are counted. */
export const MAX_GAP_LINES = 10;

export interface GapRange {
  readonly start: number;
  readonly end: number;
  readonly status: 'missing' | 'partial';
}

/**
 * Consecutive missing (or partial) cells merged into ranges, in time order.
 *
 * @example gapRanges(cells) // [{ start: 10:00, end: 16:00, status: 'missing' }]
 */
export function gapRanges(cells: readonly CoverageCell[]): GapRange[] {
  const out: GapRange[] = [];
  for (const c of cells) {
    if (c.status !== 'missing' && c.status !== 'partial') continue;
    const last = out[out.length - 1];
    if (last && last.end === c.start && last.status === c.status) out[out.length - 1] = { ...last, end: c.end };
    else out.push({ start: c.start, end: c.end, status: c.status });
  }
  return out;
}

/**
 * The text summary: the range, then per domain its traffic, peak, cell counts by status, the resolutions
 * trusted, and its gaps. With `figures` (from the seam-exact views) the traffic, the true peak and the
 * billing p95 per month come from them, and times are shown in their zone; a total across domains follows.
 */
export function renderReportText(model: ReportModel, figures?: ReportFigures): string {
  const dayOnly = model.bucket === 'day';
  const unit = model.bucket === 'hour' ? 'hourly' : 'daily';
  const zone = figures?.zone ?? 'UTC';
  const at = (ms: number, day = dayOnly): string => formatInZone(ms, zone, day);
  const lines: string[] = [
    `cdn-etl report: ${model.domains.length} domain(s), ${at(model.from)} .. ${at(model.to)} (${zone}, ${unit} cells)`,
  ];
  if (model.from !== model.requestedFrom || model.to !== model.requestedTo) {
    lines.push(`  (requested ${at(model.requestedFrom, false)} .. ${at(model.requestedTo, false)}, widened to whole ${model.bucket}s)`);
  }
  for (const d of model.domains) {
    const counts = CELL_STATUSES.map((s) => `${d.counts[s]} ${s}`).join(', ');
    const resolutions = [...d.byResolution.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, n]) => `${formatInterval(i)} x${n}`)
      .join(', ');
    lines.push('');
    lines.push(`${d.domain}`);
    const f = figures?.domains.find((x) => x.domain === d.domain);
    if (f) {
      lines.push(`  traffic ${formatTraffic(f.bytes)} (${f.bytes} bytes), true peak ${formatBandwidth(f.truePeakBps)} (finest resolution archived)`);
      for (const p of f.p95) lines.push(`  p95 ${p.month} (${zone}): ${formatBandwidth(p.p95Bps)}, ${p.pointsHeld} of ${p.pointsInMonth} 5-minute points held, ${p.dropped} dropped`);
    } else {
      lines.push(`  traffic ${formatTraffic(d.totalBytes)} (${d.totalBytes} bytes), peak ${unit} average ${formatBandwidth(d.peakBps)}`);
    }
    lines.push(`  ${unit} cells: ${counts}`);
    lines.push(`  resolution used: ${resolutions === '' ? 'none (nothing archived)' : resolutions}`);
    const gaps = gapRanges(d.cells);
    for (const g of gaps.slice(0, MAX_GAP_LINES)) {
      lines.push(`  ${g.status.padEnd(7)} ${at(g.start)} .. ${at(g.end)}`);
    }
    if (gaps.length > MAX_GAP_LINES) lines.push(`  ... and ${gaps.length - MAX_GAP_LINES} more gap(s)`);
  }
  if (figures) {
    lines.push('');
    lines.push('all domains');
    lines.push(`  traffic ${formatTraffic(figures.total.bytes)} (${figures.total.bytes} bytes), peak ${formatBandwidth(figures.total.peakBps)} (5-minute points summed over the domains)`);
    for (const p of figures.total.p95) {
      lines.push(`  p95 ${formatInZone(p.month, zone, true).slice(0, 7)} (${zone}): ${formatBandwidth(p.p95Bps)}, ${p.pointsHeld} of ${p.pointsInMonth} 5-minute points held`);
    }
  }
  return `${lines.join('\n')}\n`;
}
