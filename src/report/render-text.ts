/** The report's summary as plain text for a terminal: the same figures as the HTML file. Pure. */
import { CELL_STATUSES, type CoverageCell, type ReportModel } from './coverage-map.js';
import { formatInstant } from '../core/time-format.js';
import { formatBandwidth, formatInterval, formatTraffic } from './report-format.js';

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
 * trusted, and its gaps.
 */
export function renderReportText(model: ReportModel): string {
  const dayOnly = model.bucket === 'day';
  const unit = model.bucket === 'hour' ? 'hourly' : 'daily';
  const lines: string[] = [
    `cdn-etl report: ${model.domains.length} domain(s), ${formatInstant(model.from, dayOnly ? 'day' : 'minute')} .. ${formatInstant(model.to, dayOnly ? 'day' : 'minute')} (UTC, ${unit} cells)`,
  ];
  if (model.from !== model.requestedFrom || model.to !== model.requestedTo) {
    lines.push(`  (requested ${formatInstant(model.requestedFrom, 'minute')} .. ${formatInstant(model.requestedTo, 'minute')}, widened to whole ${model.bucket}s)`);
  }
  for (const d of model.domains) {
    const counts = CELL_STATUSES.map((s) => `${d.counts[s]} ${s}`).join(', ');
    const resolutions = [...d.byResolution.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, n]) => `${formatInterval(i)} x${n}`)
      .join(', ');
    lines.push('');
    lines.push(`${d.domain}`);
    lines.push(`  traffic ${formatTraffic(d.totalBits)} (${d.totalBits} bits), peak ${unit} average ${formatBandwidth(d.peakBps)}`);
    lines.push(`  ${unit} cells: ${counts}`);
    lines.push(`  resolution used: ${resolutions === '' ? 'none (nothing archived)' : resolutions}`);
    const gaps = gapRanges(d.cells);
    for (const g of gaps.slice(0, MAX_GAP_LINES)) {
      lines.push(`  ${g.status.padEnd(7)} ${formatInstant(g.start, dayOnly ? 'day' : 'minute')} .. ${formatInstant(g.end, dayOnly ? 'day' : 'minute')}`);
    }
    if (gaps.length > MAX_GAP_LINES) lines.push(`  ... and ${gaps.length - MAX_GAP_LINES} more gap(s)`);
  }
  return `${lines.join('\n')}\n`;
}
