/** Human-readable lines for a sync pass and for what the API cannot give. Pure. */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import type { UnavailableRange } from '../core/model.js';
import { formatInstant, formatRange } from '../core/time-format.js';
import type { SyncPassReport } from './sync-pass.js';

/** The summary of one pass: counts, new and skipped domains, coarse and lost parts, watermark moves, failures. */
export function formatPassReport(r: SyncPassReport, tiers: readonly Tier[] = DEFAULT_TIERS): string {
  const s = r.summary;
  const lines = [
    `sync pass ${r.id} (${r.state}) at ${formatInstant(r.plannedAt)}: ${r.domains.length} domain(s), ` +
      `${s.done}/${s.total - s.counts.replanned} chunks done, ${s.counts.failed} failed, ${s.rows} rows loaded, ${s.calls} API calls, ${s.throttles} throttled`,
  ];
  if (r.newDomains.length > 0) {
    lines.push(`  new domain(s): ${r.newDomains.join(', ')}`);
    lines.push(...historyHint(r, tiers));
  }
  for (const d of r.skipped) lines.push(`  skipped (${d.status}): ${d.domain}`);
  for (const c of r.coarse) lines.push(`  only at ${c.intervalS} s resolution: ${c.domain} ${formatRange(c.start, c.end)}`);
  for (const u of r.unavailable) lines.push(`  ${describeUnavailable(u)}`);
  for (const w of r.watermarks) {
    lines.push(`  watermark ${w.domain}: ${formatInstant(w.before)}${w.after !== w.before ? ` -> ${formatInstant(w.after)}` : ' (unchanged)'}`);
  }
  for (const f of r.failures) {
    // Never cut (the RequestId is at the end), and the code once.
    const message = f.message.replace(/\s+/g, ' ').trim();
    const text = message.startsWith(`${f.code}: `) ? message.slice(f.code.length + 2) : message;
    lines.push(`  failed: ${f.chunk.domain} ${formatRange(f.chunk.start, f.chunk.end)} ${f.chunk.intervalS}s  ${f.code}${text && text !== f.code ? `  ${text}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * For domains a pass met for the first time: the sync starts at their new watermark (now, without --since), and
 * the history before it that the API still holds needs a backfill; the command for it, per start.
 */
function historyHint(r: SyncPassReport, tiers: readonly Tier[]): string[] {
  const oldest = r.plannedAt - Math.max(...tiers.map((t) => t.historyMs));
  const byStart = new Map<number, string[]>();
  for (const domain of r.newDomains) {
    const start = r.watermarks.find((w) => w.domain === domain)?.before;
    if (start === undefined || start <= oldest) continue;
    byStart.set(start, [...(byStart.get(start) ?? []), domain]);
  }
  const lines: string[] = [];
  for (const [start, domains] of byStart) {
    // An hour inside the horizon, so that the command still fits when it is run a little later.
    const from = Math.ceil(oldest / 3_600_000) * 3_600_000 + 3_600_000;
    lines.push(`  the sync of ${domains.join(', ')} starts at ${formatInstant(start)}; the API still holds the history before it, back to ${formatInstant(from)}:`);
    lines.push(`    cdn-etl backfill --domains ${domains.join(',')} --from ${formatInstant(from)} --to ${formatInstant(start)}`);
  }
  return lines;
}

export function describeUnavailable(u: UnavailableRange): string {
  const why = u.reason === 'beyond-horizon' ? 'no longer available from the API (beyond every horizon)' : 'not yet published by the API';
  return `${why}: ${u.domain} ${formatRange(u.start, u.end)}`;
}
