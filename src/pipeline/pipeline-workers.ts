/**
 * Starts the fetch and load workers of one process. Used by `backfill` (in-process) and `worker`, and by
 * library callers (sync) with their own CdnApi and row sink. Credentials stay inside the CdnApi the caller
 * built: nothing here puts them in Redis or job data.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CdnApi } from '../aliyun/api-types.js';
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { isEnded } from '../core/chunk-outcome.js';
import { BackfillStore } from './backfill-store.js';
import { BackfillWindow } from './backfill-window.js';
import { startWindowKeeper } from './window-keeper.js';
import { upgradeLegacyLayout } from './legacy-layout.js';
import type { LedgerReader, LedgerWriter } from '../store/chunk-ledger.js';
import { DEFAULT_MARGIN_MS } from '../plan/plan-backfill.js';
import { createFetchProcessor } from './fetch-stage.js';
import { LoadBatcher, type LoadBatcherOptions, type RowSink } from './load-batcher.js';
import { createLoadProcessor } from './load-stage.js';
import { FETCH_QUEUE, LOAD_QUEUE, pipelineKeys } from './pipeline-keys.js';
import { LOAD_BACKOFF_TYPE, loadBackoffStrategy, type FetchJobData, type LoadJobData } from './pipeline-jobs.js';
import { closeRedis, openRedis } from '../redis/redis-connection.js';
import { createRedisPacer } from '../redis/redis-pacer.js';

/** Sustains 10 calls/s at API latencies up to ~1.5 s; at 500 ms, 5 would do. */
export const DEFAULT_FETCH_CONCURRENCY = 16;
/** Load jobs waiting in one group commit. */
export const DEFAULT_LOAD_CONCURRENCY = 64;

export interface PipelineWorkersOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** This worker's configuration (core/job-fingerprint.ts): fetch jobs planned for another are refused. */
  readonly fingerprint?: string | undefined;
  /** Calls per second shared by every worker process on this prefix. */
  readonly qps: number;
  readonly api: CdnApi;
  readonly sink: RowSink;
  /** QuestDB's chunk ledger: written after each load, asked before queueing (none: no reuse, nothing recorded). */
  readonly ledger?: (LedgerReader & LedgerWriter) | undefined;
  /** Chunks in flight per backfill (backfill-window.ts). */
  readonly windowSize?: number;
  /** How often this process tops up the windows of unfinished backfills, ms (default 5 s). */
  readonly keepEveryMs?: number;
  /** How long a chunk may sit in a window without a job before the keeper queues it again, ms (default 60 s). */
  readonly staleMs?: number;
  readonly fetchConcurrency?: number;
  readonly loadConcurrency?: number;
  readonly tiers?: readonly Tier[];
  readonly marginMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Job lock; a killed worker's jobs return to the queue within about lockDuration + stalledInterval. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** How often a job may stall (its worker died) before BullMQ fails it; default 5. */
  readonly maxStalledCount?: number;
  /** Pacer guard per second, ms (see redis-pacer.ts). */
  readonly guardMs?: number;
  readonly batch?: LoadBatcherOptions;
  /** Run only one of the stages (default both). */
  readonly stages?: { readonly fetch?: boolean; readonly load?: boolean };
}

export interface PipelineWorkers {
  readonly fetchWorker: Worker<FetchJobData> | undefined;
  readonly loadWorker: Worker<LoadJobData> | undefined;
  /** Tops up the windows of backfills; emits `reused` for chunks the ledger held. */
  readonly window: BackfillWindow;
  /** Graceful: in-flight fetches finish and hand their rows on, pending loads are flushed; the rest stays queued. */
  close(): Promise<void>;
  /**
   * Gives up a close() that does not end (Redis or QuestDB down): the workers stop without waiting for their jobs
   * (which go back to the queue when their locks expire) and the connection is dropped. Never throws.
   */
  abandon(): void;
}

/** Starts the workers; they run until close(). */
export async function startPipelineWorkers(options: PipelineWorkersOptions): Promise<PipelineWorkers> {
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const tiers = options.tiers ?? DEFAULT_TIERS;
  const lockDuration = options.lockDurationMs ?? 15_000;
  const stalledInterval = options.stalledIntervalMs ?? 15_000;
  // Workers must survive Redis blips: the shared connection waits instead of failing commands.
  const redis: Redis = await openRedis(options.redisUrl, { role: 'worker', name: 'cdn-etl-worker' });
  const store = new BackfillStore(redis, options.prefix);
  const fetchQueue = new Queue<FetchJobData>(FETCH_QUEUE, { connection: redis, prefix: options.prefix });
  const loadQueue = new Queue<LoadJobData>(LOAD_QUEUE, { connection: redis, prefix: options.prefix });
  const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
  if (options.ledger) await upgradeLegacyLayout(redis, options.prefix, options.ledger, now(), logger);
  const window = new BackfillWindow({ redis, store, fetchQueue, ledger: options.ledger, tiers, marginMs, now, logger, windowSize: options.windowSize });
  const common = { connection: redis, prefix: options.prefix, lockDuration, stalledInterval, maxStalledCount: options.maxStalledCount ?? 5 };
  let fetchWorker: Worker<FetchJobData> | undefined;
  let loadWorker: Worker<LoadJobData> | undefined;
  let batcher: LoadBatcher | undefined;

  if (options.stages?.load !== false) {
    batcher = new LoadBatcher(options.sink, { ...options.batch, ledger: options.ledger });
    loadWorker = new Worker<LoadJobData>(LOAD_QUEUE, createLoadProcessor({ batcher, store, window, now, logger }), {
      ...common,
      concurrency: options.loadConcurrency ?? DEFAULT_LOAD_CONCURRENCY,
      settings: { backoffStrategy: (attemptsMade, type, err, job) => (type === LOAD_BACKOFF_TYPE ? loadBackoffStrategy(attemptsMade, type, err, job) : 1_000) },
    });
    loadWorker.on('error', (err) => logger.error({ err: err.message }, 'load worker error'));
  }
  if (options.stages?.fetch !== false) {
    const pacer = createRedisPacer(redis, pipelineKeys(options.prefix).pacer, { qps: options.qps, guardMs: options.guardMs });
    const processor = createFetchProcessor({ api: options.api, pacer, store, window, fetchQueue, loadQueue, tiers, marginMs, now, logger, fingerprint: options.fingerprint });
    fetchWorker = new Worker<FetchJobData>(FETCH_QUEUE, processor, {
      ...common,
      concurrency: options.fetchConcurrency ?? DEFAULT_FETCH_CONCURRENCY,
      // Pacing is the Redis pacer's job; the limiter is here because queue.rateLimit() (throttled answers)
      // only takes effect on a queue whose workers have one. Its own limit is never reached.
      limiter: { max: 1_000_000, duration: 1_000 },
      // Throttles and waits at the call gate do not use attempts but do start the job: cap the restarts of one chunk.
      maxStartedAttempts: 5_000,
    });
    fetchWorker.on('error', (err) => logger.error({ err: err.message }, 'fetch worker error'));
  }

  // BullMQ can fail a job without our processor deciding it (too many stalls, maxStartedAttempts, the load
  // stage's last attempt): record that on the chunk, or its backfill would wait for it forever.
  const recordJobFailure = (job: Job<FetchJobData | LoadJobData> | undefined, err: Error): void => {
    if (!job) return;
    void (async () => {
      if (!(await job.isFailed())) return;
      const { backfillId, chunk } = job.data;
      const entry = await store.inFlight(backfillId, chunk.id);
      if (entry === undefined) return;
      const code = /stalled/i.test(err.message) ? 'Job.Stalled' : 'Job.Failed';
      await store.gate(backfillId, 'release', chunk.domain, chunk.id);
      await store.transition(backfillId, chunk.id, 'failed', { now: now(), failure: { code, message: err.message, chunk } });
      window.nudge(backfillId);
      logger.warn({ chunk: chunk.id, code, err: err.message, queue: job.queueName }, 'chunk failed outside its processor');
    })().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'could not record a failed job'));
  };
  fetchWorker?.on('failed', recordJobFailure);
  loadWorker?.on('failed', recordJobFailure);

  const keeper = options.stages?.fetch !== false ? startWindowKeeper({ store, window, everyMs: options.keepEveryMs, sweepEveryMs: options.keepEveryMs !== undefined ? options.keepEveryMs * 6 : undefined, staleMs: options.staleMs, logger }) : undefined;

  let closing: Promise<void> | undefined;
  return {
    fetchWorker,
    loadWorker,
    window,
    close() {
      closing ??= (async () => {
        await keeper?.stop();
        // Fetches first, so their rows reach the load queue; then loads, whose in-flight batch is flushed.
        await fetchWorker?.close();
        const loadClosed = loadWorker?.close();
        await batcher?.drain();
        await loadClosed;
        await window.settle();
        await Promise.all([fetchQueue.close(), loadQueue.close()]);
        await closeRedis(redis);
      })();
      return closing;
    },
    abandon() {
      void keeper?.stop();
      for (const w of [fetchWorker, loadWorker]) void w?.close(true).catch(() => undefined);
      redis.disconnect();
    },
  };
}
