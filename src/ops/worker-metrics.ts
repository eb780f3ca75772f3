/**
 * Feeds chunk outcomes and retries into CdnEtlMetrics from the BullMQ events of a process's fetch and load
 * workers, so the pipeline itself stays free of metrics code. What the events mean here:
 * - fetch `completed` with the processor's result: `replanned`, `refused` end a chunk; `loading` hands it to the
 *   load stage; `skipped` (a duplicate) and `halted` (the account was refused) cost nothing;
 * - load `completed` with the number of rows: the chunk is `loaded`, or `empty` with none;
 * - the window's `reused` event (with a count): chunks the ledger already held ended without a job.
 * - `failed`: BullMQ sets `finishedOn` only when the job will not run again, so a failure without it is a
 *   retry (throttled fetches never reach `failed`: they go back to the queue without using an attempt).
 */
import { FETCH_ENDS, type ChunkOutcome } from '../core/chunk-outcome.js';
import type { CdnEtlMetrics } from './metrics.js';

/** The slice of a BullMQ Job the listener reads. */
interface FinishedJob {
  readonly finishedOn?: number | undefined;
}

/** The slice of a BullMQ Worker the listeners attach to. */
export interface WorkerEvents {
  on(event: 'completed', listener: (job: FinishedJob, result: unknown) => void): unknown;
  on(event: 'failed', listener: (job: FinishedJob | undefined, err: Error) => void): unknown;
  off(event: 'completed', listener: (job: FinishedJob, result: unknown) => void): unknown;
  off(event: 'failed', listener: (job: FinishedJob | undefined, err: Error) => void): unknown;
}

/** The outcome a fetch job's result means for its chunk, or undefined when the chunk has not ended. Pure. */
export function fetchResultOutcome(result: unknown): ChunkOutcome | undefined {
  return FETCH_ENDS.find((end) => end === result);
}

/** Whether a `failed` event ends the job (true) or BullMQ will run it again (false). Pure. */
export function isFinalFailure(job: FinishedJob | undefined): boolean {
  return job !== undefined && typeof job.finishedOn === 'number';
}

/** The slice of the pipeline's BackfillWindow the listener attaches to. */
export interface WindowEvents {
  on(event: 'reused', listener: (count: number) => void): unknown;
  off(event: 'reused', listener: (count: number) => void): unknown;
}

/**
 * Subscribes the metrics to the workers' events; returns a function that unsubscribes.
 *
 * @example
 * const detach = attachWorkerMetrics(metrics, runtime.workers);
 */
export function attachWorkerMetrics(
  metrics: CdnEtlMetrics,
  workers: { readonly fetchWorker?: WorkerEvents | undefined; readonly loadWorker?: WorkerEvents | undefined; readonly window?: WindowEvents | undefined },
): () => void {
  const detachers: Array<() => void> = [];
  if (workers.window) {
    const w = workers.window;
    const onReused = (count: number): void => {
      for (let i = 0; i < count; i++) metrics.recordChunkEnd('reused');
    };
    w.on('reused', onReused);
    detachers.push(() => w.off('reused', onReused));
  }
  const failedListener = (stage: 'fetch' | 'load') => (job: FinishedJob | undefined) => {
    if (isFinalFailure(job)) metrics.recordChunkEnd('failed');
    else if (job !== undefined) metrics.recordRetry(stage);
  };
  if (workers.fetchWorker) {
    const w = workers.fetchWorker;
    const onCompleted = (_job: FinishedJob, result: unknown): void => {
      const outcome = fetchResultOutcome(result);
      if (outcome) metrics.recordChunkEnd(outcome);
    };
    const onFailed = failedListener('fetch');
    w.on('completed', onCompleted);
    w.on('failed', onFailed);
    detachers.push(() => {
      w.off('completed', onCompleted);
      w.off('failed', onFailed);
    });
  }
  if (workers.loadWorker) {
    const w = workers.loadWorker;
    const onCompleted = (_job: FinishedJob, result: unknown): void => {
      const rows = typeof result === 'number' ? result : 0;
      metrics.recordChunkEnd(rows > 0 ? 'loaded' : 'empty', rows);
    };
    const onFailed = failedListener('load');
    w.on('completed', onCompleted);
    w.on('failed', onFailed);
    detachers.push(() => {
      w.off('completed', onCompleted);
      w.off('failed', onFailed);
    });
  }
  return () => {
    for (const d of detachers.splice(0)) d();
  };
}
