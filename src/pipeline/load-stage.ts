/**
 * The load stage: load jobs hand their rows and their ledger entry to a LoadBatcher (one QuestDB write for many
 * jobs); a job completes, and its chunk becomes `loaded` (or `empty`), only once QuestDB accepted its rows and the
 * ledger recorded the chunk. A QuestDB outage makes the job retry with a long capped backoff: loading is delayed,
 * nothing is fetched again.
 */
import type { Job } from 'bullmq';
import type { Logger } from '../core/logger.js';
import type { BackfillStore } from './backfill-store.js';
import type { BackfillWindow } from './backfill-window.js';
import { failureCode, logOutcome } from './fetch-stage.js';
import type { LoadBatcher } from './load-batcher.js';
import { expandRows, type LoadJobData } from './pipeline-jobs.js';

export interface LoadStageDeps {
  readonly batcher: LoadBatcher;
  readonly store: BackfillStore;
  readonly window: Pick<BackfillWindow, 'nudge'>;
  readonly now: () => number;
  readonly logger: Logger;
}

/** The BullMQ processor of the load queue. Resolves with the rows loaded. */
export function createLoadProcessor(deps: LoadStageDeps): (job: Job<LoadJobData>) => Promise<number> {
  const { store, logger } = deps;
  return async (job) => {
    const { backfillId, chunk, rows, fetchedAt, provisional, calls } = job.data;
    const started = Date.now();
    try {
      await deps.batcher.submit(expandRows(chunk.domain, rows, fetchedAt), {
        domain: chunk.domain,
        intervalS: chunk.intervalS,
        start: chunk.start,
        end: chunk.end,
        rows: rows.length,
        fetchedAt,
        final: !provisional,
      });
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        const message = err instanceof Error ? err.message : String(err);
        await store.transition(backfillId, chunk.id, 'failed', { now: deps.now(), failure: { code: failureCode(err), message, chunk } });
        deps.window.nudge(backfillId);
        logOutcome(logger, chunk, { outcome: 'failed', rows: rows.length, calls, durationMs: Date.now() - started, code: failureCode(err), message });
      } else {
        logger.warn({ chunk: chunk.id, attempt: job.attemptsMade + 1, err: (err as Error).message }, 'loading delayed: QuestDB did not accept the rows, retrying later');
      }
      throw err;
    }
    const outcome = rows.length > 0 ? 'loaded' : 'empty';
    await store.transition(backfillId, chunk.id, outcome, { rows: rows.length, now: deps.now() });
    deps.window.nudge(backfillId);
    logOutcome(logger, chunk, { outcome, rows: rows.length, calls, durationMs: Date.now() - job.timestamp });
    return rows.length;
  };
}
