/**
 * What `backfill --dry-run` and `sync --dry-run` print: the estimators' figures (plan/estimate-backfill.ts,
 * sync/sync-estimate.ts) for people. Pure text; the commands gather the inputs and make no call.
 */
import { formatEta, formatInstant, formatRange, formatSpan } from '../core/time-format.js';
import type { BackfillEstimate } from '../plan/estimate-backfill.js';
import type { SyncEstimate } from '../sync/sync-estimate.js';
import type { SyncMode } from '../sync/sync-plan.js';

/** What the running sync takes from the quota, and where that figure comes from. */
export interface SyncShare {
  readonly callsPerSecond: number;
  /** e.g. `the scheduled sync on prefix cdn-etl (1,200 domains, archive mode)`. */
  readonly source: string;
}

/** What QuestDB's chunk ledger holds of the plan's range: chunks archived final, or why it was not asked. */
export type ArchivedShare = { readonly chunks: number } | { readonly unavailable: string };

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const rate = (x: number): string => x.toFixed(2);
const domainTime = (ms: number): string => `${n(ms / 86_400_000)} domain-days`;

/**
 * @example formatBackfillDryRun(estimate, { from, to, qps: 10, sync: { callsPerSecond: 0, source: 'no scheduled sync' } })
 */
export function formatBackfillDryRun(e: BackfillEstimate, input: { readonly from: number; readonly to: number; readonly qps: number; readonly sync: SyncShare; readonly archived: ArchivedShare }): string {
  const lines = [
    `backfill dry run (no call made, nothing enqueued): ${n(e.domainCount)} domain(s), ${formatRange(input.from, input.to)}`,
    `  quota ${rate(input.qps)} calls/s, the sync takes ${rate(input.sync.callsPerSecond)} (${input.sync.source}): ${rate(e.callsPerSecond)} calls/s for the backfill`,
    `  ${n(e.calls)} API calls for ${n(e.plannedChunks)} chunks; ETA ${formatEta(e.etaMs)} (last call about ${formatInstant(e.finishesAt, 'minute')})`,
    '  per tier (chunks fetched at it; what misses its horizon because its turn comes too late):',
  ];
  for (const t of e.tiers) {
    const parts = [`    ${String(t.intervalS).padStart(4)} s: ${n(t.chunks).padStart(11)} chunks`];
    parts.push(t.degradedChunks > 0 ? `degraded to ${t.degradedToS} s: ${n(t.degradedChunks)} chunks (${domainTime(t.degradedMs)})` : 'degraded: none');
    parts.push(t.lostChunks > 0 ? `lost: ${n(t.lostChunks)} chunks (${domainTime(t.lostMs)})` : 'lost: none');
    lines.push(parts.join(', '));
  }
  if (e.beyondHorizonMs > 0) lines.push(`  older than every horizon, not planned: ${formatSpan(e.beyondHorizonMs / e.domainCount)} per domain`);
  if (e.notYetAvailableMs > 0) lines.push(`  not published yet, not planned: ${formatSpan(e.notYetAvailableMs / e.domainCount)} per domain`);
  lines.push(archivedLine(input.archived, e.plannedChunks));
  lines.push('  the figures above count every chunk (none deducted as reused) at a steady rate; at a pacing ratio r the ETA is ETA / r');
  return `${lines.join('\n')}\n`;
}

function archivedLine(archived: ArchivedShare, planned: number): string {
  if ('unavailable' in archived) return `  QuestDB does not answer (${archived.unavailable}): chunks archived earlier are not counted`;
  if (archived.chunks === 0) return `  QuestDB's ledger holds none of these chunks as archived final: each costs a call`;
  // A range archived at another resolution as well (planned before a horizon moved) can hold more than the plan.
  const held = Math.min(archived.chunks, planned);
  return `  QuestDB's ledger holds ${n(held)} chunks of this range as archived final (of ${n(planned)} planned): a run reuses those it plans alike, without a call`;
}

export interface SyncChoice {
  readonly label: string;
  readonly estimate: SyncEstimate;
}

/**
 * The selection as chosen, then what each other choice would cost, then the chosen one's warnings.
 */
export function formatSyncDryRun(input: { readonly domains: number; readonly mode: SyncMode; readonly freshDomains: number; readonly everyMs: number; readonly qps: number; readonly source: string; readonly choices: readonly SyncChoice[] }): string {
  const lines = [
    `sync dry run (no call made, nothing enqueued): ${n(input.domains)} domain(s) ${input.source}, --mode ${input.mode}` +
      (input.mode === 'archive' ? ` (${n(input.freshDomains)} fresh)` : '') +
      `, passes every ${formatEta(input.everyMs)}, quota ${rate(input.qps)} calls/s`,
  ];
  for (const { label, estimate: e } of input.choices) {
    lines.push(`  ${label}: ${n(e.callsPerHour)} calls/h (${rate(e.callsPerHour / 3600)} calls/s, ${(e.quotaShare * 100).toFixed(1)}% of the quota)`);
    if (e.keepsUp) {
      const lag = [
        e.freshNewestAgeMaxMs !== undefined ? `newest slot at most ${formatEta(e.freshNewestAgeMaxMs)} old (fresh)` : undefined,
        e.freshWatermarkLagMaxMs !== undefined ? `final values at most ${formatEta(e.freshWatermarkLagMaxMs)} behind (fresh)` : undefined,
        e.archiveWatermarkLagMaxMs !== undefined ? `final values at most ${formatEta(e.archiveWatermarkLagMaxMs)} behind (archive)` : undefined,
      ].filter((x) => x !== undefined);
      lines.push(`      a pass every ${formatEta(e.effectivePeriodMs!)} lasting about ${formatEta(e.passMs!)}; ${lag.join(', ')}`);
      lines.push(`      every 1-minute slot archived before it expires: ${e.archivesEveryFinestSlot ? 'yes' : 'no'}`);
    } else {
      lines.push(`      does not keep up: the watermarks fall further behind with every pass; 1-minute data lost after about ${formatEta(e.finestLossAfterMs!)}`);
    }
  }
  const chosen = input.choices[0]?.estimate;
  for (const w of chosen?.warnings ?? []) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
