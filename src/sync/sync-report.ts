/** Human-readable lines for a sync pass and for gaps. Pure. */
import type { UnavailableRange } from '../model.js';
import type { GapRange } from './find-gaps.js';
import type { SyncPassReport } from './sync-pass.js';

/** `[2026-11-01T00:00Z, 2026-11-08T00:00Z)` (half-open). */
export function formatRange(start: number, end: number): string {
  return `[${formatInstant(start)}, ${formatInstant(end)})`;
}

export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}

/** A duration as the largest whole units: `3d 2h`, `45 min`, `1 min`. */
export function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}min` : ''].filter(Boolean).join(' ');
}

/** The summary of one pass: counts, new and skipped domains, coarse and lost parts, watermark moves, failures. */
export function formatPassReport(r: SyncPassReport): string {
  const s = r.summary;
  const lines = [
    `sync pass ${r.id} (${r.state}) at ${formatInstant(r.plannedAt)}: ${r.domains.length} domain(s), ` +
      `${s.done}/${s.total - s.counts.replanned} chunks done, ${s.counts.failed} failed, ${s.rows} rows loaded, ${s.calls} API calls, ${s.throttles} throttled`,
  ];
  if (r.newDomains.length > 0) lines.push(`  new domain(s): ${r.newDomains.join(', ')}`);
  for (const d of r.skipped) lines.push(`  skipped (${d.status}): ${d.domain}`);
  for (const c of r.coarse) lines.push(`  only at ${c.intervalS} s resolution: ${c.domain} ${formatRange(c.start, c.end)}`);
  for (const u of r.unavailable) lines.push(`  ${describeUnavailable(u)}`);
  for (const w of r.watermarks) {
    lines.push(`  watermark ${w.domain}: ${formatInstant(w.before)}${w.after !== w.before ? ` -> ${formatInstant(w.after)}` : ' (unchanged)'}`);
  }
  for (const f of r.failures) {
    lines.push(`  failed: ${f.chunk.domain} ${formatRange(f.chunk.start, f.chunk.end)} ${f.chunk.intervalS}s  ${f.code}  ${f.message.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  return lines.join('\n') + '\n';
}

export function describeUnavailable(u: UnavailableRange): string {
  const why = u.reason === 'beyond-horizon' ? 'no longer available from the API (beyond every horizon)' : 'not yet published by the API';
  return `${why}: ${u.domain} ${formatRange(u.start, u.end)}`;
}

/** One line per missing range, or `none`. */
export function formatGaps(domain: string, gaps: readonly GapRange[], gridS: number): string {
  if (gaps.length === 0) return `  ${domain}  none\n`;
  return gaps.map((g) => `  ${domain}  ${formatRange(g.start, g.end)}  ${Math.round((g.end - g.start) / (gridS * 1000))} slot(s), ${formatSpan(g.end - g.start)}\n`).join('');
}
