/**
 * The load stage: load jobs hand their rows to a LoadBatcher (one QuestDB write for many jobs); a job completes,
 * and its chunk becomes `loaded` and is remembered, only once QuestDB accepted its rows. A QuestDB outage makes
 * the loader retry, then the job retry with a long capped backoff: loading is delayed, nothing is fetched again.
 */
import type { Job } from 'bullmq';
import type { Logger } from '../core/logger.js';
import type { BackfillStore } from './backfill-store.js';
import { failureCode, logOutcome } from './fetch-stage.js';
import type { LoadBatcher } from './load-batcher.js';
import { expandRows, type LoadJobData } from './pipeline-jobs.js';

export interface LoadStageDeps {
  readonly batcher: LoadBatcher;
  readonly store: BackfillStore;
  readonly now: () => number;
  readonly logger: Logger;
}

/** The BullMQ processor of the load queue. */
export function createLoadProcessor(deps: LoadStageDeps): (job: Job<LoadJobData>) => Promise<number> {
  const { store, logger } = deps;
  return async (job) => {
    const { backfillId, chunk, rows, fetchedAt, provisional, calls } = job.data;
    const started = Date.now();
    try {
      await deps.batcher.submit(expandRows(chunk.domain, rows, fetchedAt));
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        const message = err instanceof Error ? err.message : String(err);
        await store.recordOutcome(backfillId, chunk.id, 'failed', failureCode(err), message, deps.now());
        logOutcome(logger, chunk, { outcome: 'failed', rows: rows.length, calls, durationMs: Date.now() - started, code: failureCode(err), message });
      } else {
        logger.warn({ chunk: chunk.id, attempt: job.attemptsMade + 1, err: (err as Error).message }, 'loading delayed: QuestDB did not accept the rows, retrying later');
      }
      throw err;
    }
    await store.remember(chunk.id, { domain: chunk.domain, intervalS: chunk.intervalS, start: chunk.start, end: chunk.end, rows: rows.length, fetchedAt, provisional });
    await store.transition(backfillId, chunk.id, 'loaded', { rows: rows.length, now: deps.now() });
    logOutcome(logger, chunk, { outcome: 'loaded', rows: rows.length, calls, durationMs: Date.now() - job.timestamp });
    return rows.length;
  };
}
