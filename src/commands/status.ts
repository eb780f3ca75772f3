/** `cdn-etl status [id]`: backfills and their progress; for one id, its failed chunks with the API's codes. */
import { loadConfig } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { BackfillSummary, ChunkFailure } from '../pipeline/backfill-store.js';
import { openPipelineClient, useQuestDbAccess } from '../app/app-runtime.js';
import { commandBody, intFlag } from './args.js';
import { EXIT_OK } from './command.js';

export const statusCommand = commandBody({
  name: 'status',
  async run(args, ctx) {
    const limit = intFlag(args, 'limit', 20, 1, 1000);
    if (args.positionals.length > 1) throw new InvalidArgumentError('takes at most one backfill id');
    const config = useQuestDbAccess(loadConfig(ctx.env));
    const client = await openPipelineClient(config);
    try {
      const id = args.positionals[0];
      if (id === undefined) {
        ctx.stdout.write(formatList(await client.store.list(limit)));
        return EXIT_OK;
      }
      const summary = await client.store.summary(id);
      if (!summary) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`, 'ID');
      ctx.stdout.write(formatDetail(summary));
      ctx.stdout.write(formatFailures(await client.store.failures(id)));
      return EXIT_OK;
    } finally {
      await client.close();
    }
  },
});

/** `2026-11-01T00:00Z .. 2026-11-08T00:00Z` (half-open). */
export function describeRange(start: number, end: number): string {
  const f = (ms: number): string => new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z');
  return `[${f(start)}, ${f(end)})`;
}

export function formatList(list: readonly BackfillSummary[]): string {
  if (list.length === 0) return 'no backfills\n';
  const rows = list.map((s) => [
    s.id,
    new Date(s.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    describeRange(s.from, s.to),
    s.domains.length <= 2 ? s.domains.join(',') : `${s.domains.slice(0, 2).join(',')} +${s.domains.length - 2}`,
    `${s.done}/${s.total - s.counts.replanned}`,
    String(s.counts.failed),
    s.state,
  ]);
  const header = ['ID', 'CREATED', 'RANGE', 'DOMAINS', 'DONE', 'FAILED', 'STATE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatDetail(s: BackfillSummary): string {
  const lines = [
    `backfill ${s.id}  (${s.state})`,
    `  created   ${new Date(s.createdAt).toISOString()}${s.finishedAt ? `, ended ${new Date(s.finishedAt).toISOString()}` : ''}`,
    `  range     ${describeRange(s.from, s.to)}${s.refetch ? '  (--refetch)' : ''}`,
    `  domains   ${s.domains.join(', ')}`,
    `  chunks    ${s.total - s.counts.replanned} planned: ${s.counts.loaded} loaded, ${s.counts.empty} empty, ${s.counts.failed} failed, ` +
      `${s.counts.pending} pending, ${s.counts.fetching} fetching, ${s.counts.loading} loading (${s.reused} reused, ${s.counts.replanned} re-planned)`,
    `  counters  ${s.rows} rows, ${s.calls} API calls, ${s.throttles} throttled, ${s.retries} retried`,
  ];
  for (const u of s.unavailable) lines.push(`  unavailable (${u.reason}): ${u.domain} ${describeRange(u.start, u.end)}`);
  return lines.join('\n') + '\n';
}

export function formatFailures(failures: readonly ChunkFailure[]): string {
  if (failures.length === 0) return '';
  const lines = [`failed chunks (${failures.length}):`];
  for (const f of failures) {
    // Never cut (a RequestId at the end is what support asks for), and the code once: messages often start with it.
    const message = f.message.replace(/\s+/g, ' ').trim();
    const text = message.startsWith(`${f.code}: `) ? message.slice(f.code.length + 2) : message === f.code ? '' : message;
    lines.push(`  ${f.chunk.domain} ${describeRange(f.chunk.start, f.chunk.end)} ${f.chunk.intervalS}s  ${f.code}${text ? `  ${text}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** The warnings a run logged, once each with a count, for the closing summary (they may have scrolled away). */
export function formatWarnings(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  const counts = new Map<string, number>();
  for (const w of warnings) counts.set(w, (counts.get(w) ?? 0) + 1);
  const lines = [`warnings during the run (${warnings.length}):`];
  for (const [w, n] of counts) lines.push(`  ${w}${n > 1 ? ` (${n} times)` : ''}`);
  return lines.join('\n') + '\n';
}
