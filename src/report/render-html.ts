/**
 * The report as ONE self-contained HTML file: inline CSS and inline SVG, no script, no external URL, so it
 * opens anywhere without a network. Every string that comes from data (domains, times) is escaped. Pure.
 */
import { averageBps, CELL_STATUSES, type CellStatus, type ReportModel } from './coverage-map.js';
import { escapeHtml as e } from './html-escape.js';
import type { ReportFigures } from './report-figures.js';
import { formatInstant } from '../core/time-format.js';
import { formatBandwidth, formatInterval, formatInZone, formatTraffic } from './report-format.js';
import { gapRanges } from './render-text.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const STATUS_COLOURS: Readonly<Record<CellStatus, string>> = {
  complete: '#2e7d32',
  provisional: '#f9a825',
  partial: '#ef6c00',
  missing: '#c62828',
  future: '#e0e0e0',
};
const TOTAL_COLOUR = '#000000';
const P95_COLOUR = '#6a1b9a';
const CHART = { width: 960, height: 320, left: 80, right: 20, top: 16, bottom: 40 };
const MAP = { width: 960, left: 240, row: 18, top: 8, axis: 24 };

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin:0 0 16px}
table.summary{border-collapse:collapse}table.summary th,table.summary td{border:1px solid #ddd;padding:4px 8px;text-align:right}
table.summary th:first-child,table.summary td:first-child{text-align:left}
svg{display:block;width:100%;height:auto}
.axis text,text.labels{font-size:11px;fill:#444}.axis line,.axis path{stroke:#999}
.grid line{stroke:#eee}
.legend{display:flex;gap:16px;flex-wrap:wrap;margin:6px 0}.legend span{display:inline-flex;align-items:center;gap:4px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px}
ul.gaps{margin:4px 0 0;padding-left:20px;color:#444}
`;

/**
 * Renders the whole page.
 *
 * @example writeFileSync('report.html', renderReportHtml(model))
 */
export function renderReportHtml(model: ReportModel, figures?: ReportFigures): string {
  const dayOnly = model.bucket === 'day';
  const zone = figures?.zone ?? 'UTC';
  const range = `${formatInZone(model.from, zone, dayOnly)} .. ${formatInZone(model.to, zone, dayOnly)} ${zone}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>cdn-etl report ${e(range)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    '<h1>Origin-pull traffic report</h1>',
    `<p class="meta">${e(range)}, ${model.domains.length} domain(s), ${model.bucket === 'hour' ? 'hourly' : 'daily'} cells. ` +
      `Generated ${e(formatInstant(model.generatedAt, 'minute'))} by cdn-etl from the QuestDB archive.</p>`,
    renderSummaryTable(model, figures),
    '<h2>Traffic per domain (average bandwidth per cell)</h2>',
    renderLegend(model, figures),
    renderChart(model, figures),
    '<h2>Coverage</h2>',
    '<p class="meta">Each cell is one ' + e(model.bucket) + ' of one domain, at the resolution that covers most of it ' +
      '(the finest on a tie); a cell that mixes resolutions is complete when together they cover it. Provisional: every slot present, but some were fetched before the API had finalised them.</p>',
    renderStatusLegend(),
    renderCoverageMap(model, figures?.zone),
    renderGaps(model, figures?.zone),
    '</body></html>',
    '',
  ].join('\n');
}

function renderSummaryTable(model: ReportModel, figures: ReportFigures | undefined): string {
  const head = ['domain', 'traffic', figures ? 'true peak' : 'peak average', ...(figures ? ['p95 (billing)'] : []), ...CELL_STATUSES, 'resolutions used']
    .map((h) => `<th>${e(h)}</th>`)
    .join('');
  const rows = model.domains.map((d) => {
    const res = [...d.byResolution.entries()].sort((a, b) => a[0] - b[0]).map(([i, n]) => `${formatInterval(i)} x${n}`).join(', ');
    const f = figures?.domains.find((x) => x.domain === d.domain);
    const cells = [
      e(d.domain),
      e(formatTraffic(f ? f.bytes : d.totalBytes)),
      e(formatBandwidth(f ? f.truePeakBps : d.peakBps)),
      ...(f ? [e(f.p95.map((p) => `${p.month}: ${formatBandwidth(p.p95Bps)}`).join(', ') || 'none')] : []),
      ...CELL_STATUSES.map((s) => String(d.counts[s])),
      e(res || 'none'),
    ];
    return `<tr data-domain="${e(d.domain)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  if (figures) {
    const p95 = figures.total.p95.map((p) => `${formatInZone(p.month, figures.zone, true).slice(0, 7)}: ${formatBandwidth(p.p95Bps)}`).join(', ') || 'none';
    const blank = CELL_STATUSES.map(() => '<td></td>').join('');
    rows.push(`<tr data-domain="total"><td>all domains</td><td>${e(formatTraffic(figures.total.bytes))}</td><td>${e(formatBandwidth(figures.total.peakBps))}</td><td>${e(p95)}</td>${blank}<td></td></tr>`);
  }
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderLegend(model: ReportModel, figures: ReportFigures | undefined): string {
  const items = model.domains.map((d, i) => `<span><i class="swatch" style="background:${colour(i)}"></i>${e(d.domain)}</span>`);
  if (figures) {
    items.push(`<span><i class="swatch" style="background:${TOTAL_COLOUR}"></i>all domains</span>`);
    items.push(`<span><i class="swatch" style="background:${P95_COLOUR}"></i>p95 of all domains (billing, per month)</span>`);
  }
  return `<div class="legend">${items.join('')}</div>`;
}

function renderStatusLegend(): string {
  const items = CELL_STATUSES.map((s) => `<span><i class="swatch" style="background:${STATUS_COLOURS[s]}"></i>${e(s)}</span>`);
  return `<div class="legend">${items.join('')}</div>`;
}

function renderChart(model: ReportModel, figures: ReportFigures | undefined): string {
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const span = model.to - model.from;
  const zone = figures?.zone;
  const dayOnly = model.bucket === 'day';
  // Each domain's points: from the seam-exact views when given, else from the coverage cells.
  const series = model.domains.map((d) => {
    const f = figures?.domains.find((x) => x.domain === d.domain);
    if (f) return f.series.map((p) => ({ start: p.ts, end: p.ts + model.bucketMs, bps: p.avgBps, tip: `${formatTraffic(p.bytes)}` }));
    return d.cells
      .filter((cell) => cell.intervalS !== undefined)
      .map((cell) => ({ start: cell.start, end: cell.end, bps: averageBps(cell), tip: `${formatTraffic(cell.value)} at ${formatInterval(cell.intervalS!)}` }));
  });
  let maxBps = 0;
  for (const s of series) for (const p of s) maxBps = Math.max(maxBps, p.bps);
  for (const p of figures?.total.series ?? []) maxBps = Math.max(maxBps, p.avgBps);
  for (const p of figures?.total.p95 ?? []) maxBps = Math.max(maxBps, p.p95Bps);
  const yMax = niceCeiling(maxBps);
  const x = (t: number): number => left + ((Math.min(Math.max(t, model.from), model.to) - model.from) / span) * plotW;
  const y = (v: number): number => top + plotH - (yMax === 0 ? 0 : (v / yMax) * plotH);

  const parts: string[] = [];
  parts.push(`<svg id="traffic-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="traffic per domain">`);
  parts.push('<g class="grid axis">');
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const yy = fmt(y(v));
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}"/><text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${e(formatBandwidth(v))}</text>`);
  }
  for (const t of timeTicks(model.from, model.to, 6)) {
    parts.push(`<text x="${fmt(x(t))}" y="${height - bottom + 16}" text-anchor="middle">${e(formatInZone(t, zone, dayOnly))}</text>`);
  }
  parts.push(`<path d="M${left} ${top}V${top + plotH}H${left + plotW}" fill="none"/>`);
  parts.push('</g>');
  const line = (points: readonly { start: number; end: number; bps: number }[]): string => {
    // A missing cell breaks the line, so a hole in the archive shows as a hole in the chart.
    let path = '';
    let prevEnd: number | undefined;
    for (const p of points) {
      path += `${prevEnd === p.start ? 'L' : 'M'}${fmt(x(p.start + model.bucketMs / 2))} ${fmt(y(p.bps))}`;
      prevEnd = p.end;
    }
    return path;
  };
  model.domains.forEach((d, i) => {
    const c = colour(i);
    const points = series[i]!;
    const path = line(points);
    parts.push(`<g class="series" data-domain="${e(d.domain)}">`);
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${c}" stroke-width="1.5"/>`);
    for (const p of points) {
      const tip = `${d.domain} ${formatInZone(p.start, zone, dayOnly)}: ${formatBandwidth(p.bps)} average, ${p.tip}`;
      parts.push(`<circle class="point" cx="${fmt(x(p.start + model.bucketMs / 2))}" cy="${fmt(y(p.bps))}" r="2" fill="${c}"><title>${e(tip)}</title></circle>`);
    }
    parts.push('</g>');
  });
  if (figures) {
    const total = figures.total.series.map((p) => ({ start: p.ts, end: p.ts + model.bucketMs, bps: p.avgBps }));
    const path = line(total);
    parts.push('<g class="total">');
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${TOTAL_COLOUR}" stroke-width="2" stroke-dasharray="6 3"/>`);
    parts.push('</g><g class="p95">');
    for (const p of figures.total.p95) {
      const end = p.month + p.pointsInMonth * 300_000;
      const yy = fmt(y(p.p95Bps));
      const label = `p95 ${formatInZone(p.month, figures.zone, true).slice(0, 7)}: ${formatBandwidth(p.p95Bps)}`;
      parts.push(`<line class="p95-line" x1="${fmt(x(p.month))}" x2="${fmt(x(end))}" y1="${yy}" y2="${yy}" stroke="${P95_COLOUR}" stroke-width="1.5" stroke-dasharray="2 2"><title>${e(label)}</title></line>`);
      parts.push(`<text class="labels" x="${fmt(x(p.month) + 4)}" y="${fmt(y(p.p95Bps) - 4)}" fill="${P95_COLOUR}">${e(label)}</text>`);
    }
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

function renderCoverageMap(model: ReportModel, zone: string | undefined): string {
  const { width, left, row, top, axis } = MAP;
  const n = Math.max(1, Math.round((model.to - model.from) / model.bucketMs));
  const cellW = (width - left) / n;
  const height = top + model.domains.length * row + axis;
  const dayOnly = model.bucket === 'day';
  const parts: string[] = [];
  parts.push(`<svg id="coverage-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="coverage map">`);
  model.domains.forEach((d, r) => {
    const yy = top + r * row;
    parts.push(`<g class="coverage-row" data-domain="${e(d.domain)}"><text class="labels" x="${left - 6}" y="${yy + row / 2}" text-anchor="end" dominant-baseline="middle" font-size="11">${e(d.domain)}</text>`);
    d.cells.forEach((cell, i) => {
      const at = cell.intervalS === undefined ? '' : ` at ${formatInterval(cell.intervalS)} (${cell.slots}/${cell.expectedSlots} slots${cell.provisionalSlots ? `, ${cell.provisionalSlots} provisional` : ''})`;
      const tip = `${d.domain} ${formatInZone(cell.start, zone, dayOnly)}: ${cell.status}${at}`;
      parts.push(
        `<rect class="cell" data-status="${cell.status}" data-start="${e(new Date(cell.start).toISOString())}"` +
          `${cell.intervalS === undefined ? '' : ` data-interval="${cell.intervalS}"`} x="${fmt(left + i * cellW)}" y="${yy + 1}" ` +
          `width="${fmt(Math.max(cellW - 0.5, 0.5))}" height="${row - 2}" fill="${STATUS_COLOURS[cell.status]}"><title>${e(tip)}</title></rect>`,
      );
    });
    parts.push('</g>');
  });
  const axisY = top + model.domains.length * row + 14;
  parts.push('<g class="axis">');
  for (const t of timeTicks(model.from, model.to, 6)) {
    parts.push(`<text x="${fmt(left + ((t - model.from) / (model.to - model.from)) * (width - left))}" y="${axisY}" text-anchor="middle">${e(formatInZone(t, zone, dayOnly))}</text>`);
  }
  parts.push('</g></svg>');
  return parts.join('');
}

function renderGaps(model: ReportModel, zone: string | undefined): string {
  const dayOnly = model.bucket === 'day';
  const blocks = model.domains.flatMap((d) => {
    const gaps = gapRanges(d.cells);
    if (gaps.length === 0) return [];
    const items = gaps.map((g) => `<li>${e(g.status)}: ${e(formatInZone(g.start, zone, dayOnly))} .. ${e(formatInZone(g.end, zone, dayOnly))}</li>`);
    return [`<h3>${e(d.domain)}</h3><ul class="gaps">${items.join('')}</ul>`];
  });
  return blocks.length === 0 ? '<p>No gaps: every cell of every domain holds data.</p>' : `<h2>Gaps</h2>${blocks.join('')}`;
}

function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** About `count` evenly spaced instants, on whole hours. */
function timeTicks(from: number, to: number, count: number): number[] {
  const hour = 3_600_000;
  const step = Math.max(hour, Math.ceil((to - from) / count / hour) * hour);
  const out: number[] = [];
  for (let t = Math.ceil(from / hour) * hour; t < to; t += step) out.push(t);
  return out;
}
