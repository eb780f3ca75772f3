/**
 * Backfill orchestration over a PipelineClient: plan and enqueue a backfill, re-run its failed chunks, and wait
 * for every chunk of one backfill to end. The planner decides the chunks; this module only records and queues.
 */
import type { Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError, ServiceUnavailableError } from '../core/errors.js';
import { DEFAULT_TIERS } from '../aliyun/tiers.js';
import { DEFAULT_MARGIN_MS, planTemplates, validateDomain, type TemplateGap } from '../plan/plan-backfill.js';
import { newBackfillId, paramsKey, type BackfillSummary, type WorkClass } from './backfill-store.js';
import type { PipelineClient } from './pipeline-client.js';
import { pause } from '../core/sleep.js';
import { asRedisUnavailable } from '../redis/redis-connection.js';

export interface StartBackfillInput {
  readonly domains: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly now: number;
  readonly refetch: boolean;
  readonly tiers?: readonly Tier[];
  readonly marginMs?: number;
  readonly workClass?: WorkClass;
  /** Start a new backfill even when an unfinished one has the same parameters (default: resume that one). */
  readonly fresh?: boolean;
  /** `--max-qps`: its calls in any one second (call-budget.ts); a resumed backfill takes the new cap. */
  readonly maxQps?: number | undefined;
}

export interface StartedBackfill {
  readonly id: string;
  /** How many chunks the backfill has (domains times the plan's calls). */
  readonly chunks: number;
  readonly domains: readonly string[];
  /** Parts of the range no tier holds, the same for every domain. */
  readonly unavailable: readonly TemplateGap[];
  /** The same command ran before and did not finish: this is that backfill, resumed. */
  readonly resumed: boolean;
}

/**
 * Plans the range, records the backfill as a cursor over (plan x domains) and queues its first window; the
 * workers take it from there. Holds neither the chunks nor their jobs: 10,000 domains x 186 days is a few hundred
 * templates and a domain list.
 */
export async function startBackfill(client: PipelineClient, input: StartBackfillInput): Promise<StartedBackfill> {
  // Lower-cased and deduplicated, so that `A.com` and `a.com` share chunk ids.
  const domains = [...new Set(input.domains.map((d) => validateDomain(d)))];
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  const { templates, unavailable } = planTemplates({ from: input.from, to: input.to, now: input.now, tiers, marginMs });
  // Running the same command again continues the unfinished backfill instead of starting another beside it.
  const key = paramsKey(domains, input.from, input.to, input.refetch);
  const existing = input.fresh ? undefined : await client.store.unfinishedWithParams(key);
  if (existing) {
    if (input.maxQps !== undefined) await client.store.setMaxQps(existing, input.maxQps);
    await resumeBackfill(client, existing);
    const s = (await client.store.summary(existing))!;
    return { id: existing, chunks: s.total, domains, unavailable: s.unavailable as TemplateGap[], resumed: true };
  }
  const id = newBackfillId(input.now);
  const size = templates.length * domains.length;
  await client.submit(
    id,
    { domains, from: input.from, to: input.to, refetch: input.refetch, unavailable, workClass: input.workClass ?? 'backfill', paramsKey: key, maxQps: input.maxQps },
    { kind: 'grid', domains, plannedAt: input.now, size, tiers, marginMs },
    input.now,
  );
  return { id, chunks: size, domains, unavailable, resumed: false };
}

/**
 * Continues an unfinished backfill: chunks of its window that lost their jobs (the process that ran it was
 * interrupted, or Redis lost them) are queued again at once, and the window is topped up.
 * @throws InvalidArgumentError for an unknown id.
 */
export async function resumeBackfill(client: PipelineClient, id: string): Promise<void> {
  if (!(await client.store.meta(id))) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`, '--resume');
  await client.window.sweep(id, 0);
  await client.window.fill(id, { force: true, maxBatches: 2 });
}

/**
 * Re-opens the failed chunks of a backfill and queues them again (a new round of job ids), lifts a halt (the
 * account was refused: fixed now, presumably) and tops the window up. Returns how many chunks were re-opened.
 */
export async function retryFailedChunks(client: PipelineClient, id: string, now: number): Promise<number> {
  const meta = await client.store.meta(id);
  if (!meta) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`, '--retry-failed');
  const round = Number(meta.round ?? 0) + 1;
  const failed = await client.store.reopen(id, round, now);
  await client.window.enqueue(id, meta, failed, round);
  // Chunks a halt left in the window lost their jobs: queue them again now, not after the sweep's delay.
  await client.window.sweep(id, 0);
  await client.window.fill(id, { force: true, maxBatches: 2 });
  return failed.length;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  readonly onProgress?: (summary: BackfillSummary) => void;
  /**
   * How long Redis may stay unreachable before the wait gives up, ms (default 10 minutes). A Redis restart
   * is an outage to sit out, not a reason to abandon a backfill whose state Redis keeps.
   */
  readonly redisOutageMs?: number;
  /** Told once per failed poll while Redis is unreachable. */
  readonly onRedisUnavailable?: (err: ServiceUnavailableError) => void;
}

/** Domains in the summaries waitForBackfill() reads and returns (their count is domainCount). */
export const SUMMARY_DOMAINS = 20;

export const DEFAULT_REDIS_OUTAGE_MS = 10 * 60_000;

/**
 * Polls the bookkeeping until every chunk of the backfill has ended (or the signal aborts) and returns the
 * last summary. Works whichever process runs the workers.
 */
export async function waitForBackfill(client: PipelineClient, id: string, options: WaitOptions = {}): Promise<BackfillSummary> {
  let outageSince: number | undefined;
  for (;;) {
    let summary: BackfillSummary | undefined;
    try {
      // The domain list's head only: a poll of a 10,000-domain backfill must not read every name each time.
      summary = await client.store.summary(id, { domains: SUMMARY_DOMAINS });
      outageSince = undefined;
    } catch (err) {
      const unavailable = asRedisUnavailable(err);
      if (!(unavailable instanceof ServiceUnavailableError)) throw err;
      outageSince ??= Date.now();
      if (options.signal?.aborted || Date.now() - outageSince > (options.redisOutageMs ?? DEFAULT_REDIS_OUTAGE_MS)) throw unavailable;
      options.onRedisUnavailable?.(unavailable);
      await pause(1_000, options.signal);
      continue;
    }
    if (!summary) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`);
    options.onProgress?.(summary);
    if (summary.state !== 'running' || options.signal?.aborted) return summary;
    // Aborted: the next round reports where we stand.
    await pause(options.pollMs ?? 250, options.signal);
  }
}
