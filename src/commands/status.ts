/** `cdn-etl status [id]`: backfills and their progress; for one id, its failed chunks with the API's codes. */
import { loadConfig } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { PRIORITY } from '../pipeline/pipeline-jobs.js';
import { RATE_WINDOW_MS } from '../pipeline/call-budget.js';
import { SUMMARY_DOMAINS } from '../pipeline/backfill-runner.js';
import { WORKER_SILENT_MS, type WorkClass, type BackfillSummary, type ChunkFailure, type Halt, type RefusedDomain } from '../pipeline/backfill-store.js';
import { ACCOUNT_SCOPED_CODES } from '../aliyun/classify-error.js';
import { openPipelineClient } from '../app/app-runtime.js';
import { commandBody, intFlag } from './args.js';
import { EXIT_OK } from './command.js';

export const statusCommand = commandBody({
  name: 'status',
  async run(args, ctx) {
    const limit = intFlag(args, 'limit', 20, 1, 1000);
    if (args.positionals.length > 1) throw new InvalidArgumentError('takes at most one backfill id');
    const config = loadConfig(ctx.env);
    const client = await openPipelineClient(config);
    try {
      const id = args.positionals[0];
      // A running backfill that no worker process advances (none beat lately) is interrupted.
      const advancing = Date.now() - (await client.store.lastBeat()) < WORKER_SILENT_MS;
      if (id === undefined) {
        const list = await client.store.list(limit);
        ctx.stdout.write(formatList(list, advancing));
        ctx.stdout.write(formatSpending(list));
        return EXIT_OK;
      }
      const summary = await client.store.summary(id, { domains: SUMMARY_DOMAINS });
      if (!summary) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`, 'ID');
      ctx.stdout.write(formatDetail(summary, advancing));
      if (summary.halt) ctx.stdout.write(formatHalt(summary.halt));
      ctx.stdout.write(formatRefused(await client.store.refusedDomains(id)));
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

/** `running`, or `interrupted` when no worker process advances it. */
export function shownState(s: BackfillSummary, advancing: boolean): string {
  return s.state === 'running' && !advancing ? 'interrupted' : s.state;
}

export function formatList(list: readonly BackfillSummary[], advancing = true): string {
  if (list.length === 0) return 'no backfills\n';
  const rows = list.map((s) => [
    s.id,
    new Date(s.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    describeRange(s.from, s.to),
    s.domainCount <= 2 ? s.domains.slice(0, 2).join(',') : `${s.domains.slice(0, 2).join(',')} +${s.domainCount - 2}`,
    `${s.done}/${s.total - s.counts.replanned}`,
    String(s.counts.failed),
    shownState(s, advancing),
  ]);
  const header = ['ID', 'CREATED', 'RANGE', 'DOMAINS', 'DONE', 'FAILED', 'STATE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const table = [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
  const stopped = list.filter((s) => shownState(s, advancing) === 'interrupted' && s.workClass === 'backfill');
  return stopped.length === 0 ? table : `${table}no worker is running: resume with \`cdn-etl backfill --resume ID\` or start \`cdn-etl worker\`\n`;
}

export function formatDetail(s: BackfillSummary, advancing = true): string {
  const lines = [
    `backfill ${s.id}  (${shownState(s, advancing)})`,
    `  created   ${new Date(s.createdAt).toISOString()}${s.finishedAt ? `, ended ${new Date(s.finishedAt).toISOString()}` : ''}`,
    `  range     ${describeRange(s.from, s.to)}${s.refetch ? '  (--refetch)' : ''}`,
    `  domains   ${s.domainCount > SUMMARY_DOMAINS ? `${s.domains.slice(0, SUMMARY_DOMAINS).join(', ')} and ${s.domainCount - SUMMARY_DOMAINS} more` : s.domains.join(', ')}`,
    `  chunks    ${s.total - s.counts.replanned} planned: ${s.counts.loaded} loaded, ${s.counts.empty} empty, ${s.counts.failed} failed, ` +
      `${s.counts.refused} refused, ${s.counts.pending} pending (${s.waiting} not yet queued), ${s.counts.fetching} fetching, ${s.counts.loading} loading ` +
      `(${s.reused} reused, ${s.counts.replanned} re-planned)`,
    `  counters  ${s.rows} rows, ${s.calls} API calls, ${s.throttles} throttled, ${s.retries} retried`,
  ];
  lines.push(`  quota     ${s.workClass}, priority ${priorityLabel(s.workClass)}, ${s.maxQps === undefined ? 'no cap' : `cap ${s.maxQps} calls/s`}, ${formatRate(s.callRate)} calls/s over the last ${RATE_WINDOW_MS / 1000} s`);
  if (shownState(s, advancing) === 'interrupted') lines.push(`  no worker is advancing it: resume with \`cdn-etl backfill --resume ${s.id}\` (or start \`cdn-etl worker\`)`);
  for (const u of s.unavailable) lines.push(`  unavailable (${u.reason}): ${'domain' in u ? u.domain : 'every domain'} ${describeRange(u.start, u.end)}`);
  return lines.join('\n') + '\n';
}

/** The BullMQ priority of a class's chunks (pipeline-jobs.ts PRIORITY): a backfill's chunks near their deadline go first. */
export function priorityLabel(workClass: WorkClass): string {
  return workClass === 'backfill' ? `${PRIORITY.deadline}-${PRIORITY.backfill}` : String(PRIORITY[workClass]);
}

function formatRate(rate: number): string {
  return rate.toFixed(1);
}

/**
 * Who is spending the quota: every running backfill and sync pass of the list, its class and priority, its cap
 * (--max-qps) and its calls per second over the last RATE_WINDOW_MS (from its call record, call-budget.ts).
 */
export function formatSpending(list: readonly BackfillSummary[]): string {
  const running = list.filter((s) => s.state === 'running');
  if (running.length === 0) return '';
  const header = ['ID', 'CLASS', 'PRIORITY', 'CAP', 'CALLS/S'];
  const rows = running.map((s) => [s.id, s.workClass, priorityLabel(s.workClass), s.maxQps === undefined ? '-' : String(s.maxQps), formatRate(s.callRate)]);
  const total = running.reduce((sum, s) => sum + s.callRate, 0);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const table = [header, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  return [`quota spent (calls/s over the last ${RATE_WINDOW_MS / 1000} s, ${formatRate(total)} in all):`, ...table].join('\n') + '\n';
}

/** Domains the API refused, each once with its code (their chunks ended without calls). */
export function formatRefused(refused: readonly RefusedDomain[]): string {
  if (refused.length === 0) return '';
  const lines = [`domains refused by the API (${refused.length}), their chunks ended without a call:`];
  for (const r of refused) lines.push(`  ${r.domain}  ${r.code}  ${r.message.replace(/\s+/g, ' ')}`);
  return lines.join('\n') + '\n';
}

/** The API refused the account: what it said and what to fix. */
export function formatHalt(halt: Halt): string {
  const fix = ACCOUNT_SCOPED_CODES.get(halt.code);
  return `halted: the API refused the account (${halt.code}): ${halt.message.replace(/\s+/g, ' ')}\n${fix ? `fix: ${fix}\n` : ''}`;
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
