/** Human-readable lines for a sync pass and for what the API cannot give. Pure. */
import type { UnavailableRange } from '../core/model.js';
import { formatInstant, formatRange } from '../core/time-format.js';
import type { SyncPassReport } from './sync-pass.js';

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
