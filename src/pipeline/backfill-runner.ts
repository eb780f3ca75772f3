/**
 * Backfill orchestration over a PipelineClient: plan and enqueue a backfill, re-run its failed chunks, and wait
 * for every chunk of one backfill to end. The planner decides the chunks; this module only records and queues.
 */
import type { Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError, ServiceUnavailableError } from '../core/errors.js';
import { planBackfill, type BackfillPlan } from '../plan/plan-backfill.js';
import { newBackfillId, type BackfillSummary } from './backfill-store.js';
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
}

export interface StartedBackfill {
  readonly id: string;
  readonly plan: BackfillPlan;
}

/** Plans the range, records the backfill and enqueues its chunks. */
export async function startBackfill(client: PipelineClient, input: StartBackfillInput): Promise<StartedBackfill> {
  const plan = planBackfill({ domains: input.domains, from: input.from, to: input.to, now: input.now, tiers: input.tiers, marginMs: input.marginMs });
  const id = newBackfillId(input.now);
  await client.submit(id, { domains: input.domains, from: input.from, to: input.to, refetch: input.refetch, unavailable: plan.unavailable }, plan.chunks, input.now);
  return { id, plan };
}

/** Re-opens the failed chunks of a backfill and enqueues them again (a new round of job ids). Returns how many. */
export async function retryFailedChunks(client: PipelineClient, id: string, now: number): Promise<number> {
  const summary = await client.store.summary(id);
  if (!summary) throw new InvalidArgumentError(`no backfill with id ${JSON.stringify(id)}`, '--retry-failed');
  const failed = await client.store.chunksIn(id, ['failed']);
  if (failed.length === 0) return 0;
  const round = await client.store.nextRound(id);
  for (const chunk of failed) await client.store.transition(id, chunk.id, 'pending', { reopen: true, now });
  await client.enqueueChunks(id, failed, { refetch: summary.refetch, round });
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
      summary = await client.store.summary(id);
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
