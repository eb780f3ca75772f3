/**
 * The running sync: a BullMQ job scheduler with one fixed id emits one job per period for the whole installation,
 * so however many `sync` processes run, each period yields one pass, taken by one of them. Every process also runs
 * the pipeline's fetch and load workers, so the chunks of a pass are shared out like a backfill's. A pass (scheduled
 * or `--once`) runs under the installation's pass lock: passes never overlap.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CdnApi } from '../aliyun/api-types.js';
import type { Tier } from '../aliyun/tiers.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RowSink } from '../pipeline/load-batcher.js';
import { PipelineClient } from '../pipeline/pipeline-client.js';
import type { LedgerReader, LedgerWriter } from '../store/chunk-ledger.js';
import { startPipelineWorkers, type PipelineWorkers } from '../pipeline/pipeline-workers.js';
import { closeRedis, openRedis } from '../redis/redis-connection.js';
import { acquirePassLock } from './pass-lock.js';
import { SYNC_JOB_NAME, SYNC_QUEUE, SYNC_SCHEDULER_ID } from './sync-keys.js';
import { runSyncPass, type SyncPassReport, type SyncSelection } from './sync-pass.js';
import { WatermarkStore } from './watermark-store.js';
import { initialWatermark, type SyncMode } from './sync-plan.js';

/** What a scheduled job carries: the selection of the process that last upserted the schedule. No secrets. */
export interface SyncJobData {
  readonly selection: SyncSelection;
  readonly since?: number | undefined;
  readonly lookbackMs: number;
  /** Absent in jobs written before modes existed: `fresh`. */
  readonly mode?: SyncMode | undefined;
  readonly freshDomains?: readonly string[] | undefined;
  /** `--max-qps`: each pass's cap (call-budget.ts). */
  readonly maxQps?: number | undefined;
}

export interface SyncServiceOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** core/job-fingerprint.ts: written into the passes' fetch jobs and checked by this service's workers. */
  readonly fingerprint?: string | undefined;
  /** Calls per second shared by every worker on the prefix. */
  readonly qps: number;
  readonly api: CdnApi;
  readonly sink: RowSink;
  /** QuestDB's chunk ledger: every chunk a pass loads is recorded, so a later backfill reuses the final ones. */
  readonly ledger?: (LedgerReader & LedgerWriter) | undefined;
  readonly selection: SyncSelection;
  /** `--since`: replaces the watermarks of the named domains; first slot of domains discovered later. */
  readonly since?: number | undefined;
  readonly lookbackMs: number;
  /** sync-plan.ts: `fresh` (default) or `archive`, and the domains kept fresh in archive mode. */
  readonly mode?: SyncMode | undefined;
  readonly freshDomains?: readonly string[] | undefined;
  /** `--max-qps`: the most calls a pass may make in any one second (call-budget.ts); undefined: no cap. */
  readonly maxQps?: number | undefined;
  /** Period of the schedule, ms; ignored with `once`. */
  readonly everyMs: number;
  /** Run one complete pass now, then stop (no schedule). */
  readonly once?: boolean | undefined;
  readonly now?: (() => number) | undefined;
  readonly tiers?: readonly Tier[] | undefined;
  readonly marginMs?: number | undefined;
  readonly fetchConcurrency?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly onPass?: ((report: SyncPassReport) => void) | undefined;
  /** Pipeline worker tuning (tests). */
  readonly guardMs?: number | undefined;
  readonly pollMs?: number | undefined;
}

export interface RunningSync {
  /** This process's fetch and load workers (for metrics). */
  readonly workers: PipelineWorkers;
  /** The pass run for `once`; undefined for a scheduled sync. */
  readonly oncePass: Promise<SyncPassReport> | undefined;
  /** Stops taking new passes, lets a running pass end (or abort), stops the workers. */
  close(): Promise<void>;
  /**
   * Gives up a close() that does not end (Redis or QuestDB down): the pass is aborted, the workers stop without
   * waiting for their jobs (which go back to the queue when their locks expire) and the connections are dropped.
   */
  abandon(): void;
}

/**
 * Replaces the watermarks of the named domains with `since` (`--since` on `--domains`).
 * For `--all-domains`, `since` only applies to domains seen for the first time.
 */
export async function applySince(redis: Redis, prefix: string, domains: readonly string[], since: number, now: number): Promise<void> {
  const store = new WatermarkStore(redis, prefix);
  for (const d of domains) await store.replace(d, initialWatermark(now, since, now));
}

/**
 * Starts the sync in this process: pipeline workers plus either one pass now (`once`) or the schedule.
 *
 * @example
 * const sync = await startSyncService({ redisUrl, prefix, qps: 10, api, sink: loader,
 *   selection: { kind: 'domains', domains: ['a.com'] }, lookbackMs: 30 * 60_000, everyMs: 300_000 });
 * // ... on SIGTERM: await sync.close();
 */
export async function startSyncService(options: SyncServiceOptions): Promise<RunningSync> {
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const client = await PipelineClient.open({ redisUrl: options.redisUrl, prefix: options.prefix, fingerprint: options.fingerprint, ledger: options.ledger });
  let workers: PipelineWorkers | undefined;
  let schedulerQueue: Queue<SyncJobData> | undefined;
  let passWorker: Worker<SyncJobData> | undefined;
  let workerRedis: Redis | undefined;
  const stopping = new AbortController();
  try {
    if (options.since !== undefined && options.selection.kind === 'domains') {
      await applySince(client.redis, options.prefix, options.selection.domains, options.since, now());
    }
    workers = await startPipelineWorkers({
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      fingerprint: options.fingerprint,
      qps: options.qps,
      api: options.api,
      sink: options.sink,
      ledger: options.ledger,
      fetchConcurrency: options.fetchConcurrency,
      tiers: options.tiers,
      marginMs: options.marginMs,
      now,
      logger,
      guardMs: options.guardMs,
    });
    const pass = async (data: SyncJobData): Promise<SyncPassReport> => {
      const lock = await acquirePassLock(client.redis, options.prefix, { signal: stopping.signal });
      try {
        const report = await runSyncPass({
          client,
          prefix: options.prefix,
          api: options.api,
          selection: data.selection,
          since: data.since,
          lookbackMs: data.lookbackMs,
          mode: data.mode,
          freshDomains: data.freshDomains,
          maxQps: data.maxQps,
          now,
          tiers: options.tiers,
          marginMs: options.marginMs,
          logger,
          signal: stopping.signal,
          pollMs: options.pollMs,
        });
        options.onPass?.(report);
        return report;
      } finally {
        await lock.release();
      }
    };
    const data: SyncJobData = { selection: options.selection, since: options.since, lookbackMs: options.lookbackMs, mode: options.mode, freshDomains: options.freshDomains, ...(options.maxQps !== undefined ? { maxQps: options.maxQps } : {}) };
    let oncePass: Promise<SyncPassReport> | undefined;
    if (options.once) {
      oncePass = pass(data);
    } else {
      schedulerQueue = new Queue<SyncJobData>(SYNC_QUEUE, { connection: client.redis, prefix: options.prefix });
      await schedulerQueue.upsertJobScheduler(
        SYNC_SCHEDULER_ID,
        { every: options.everyMs },
        { name: SYNC_JOB_NAME, data, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, stackTraceLimit: 0 } },
      );
      workerRedis = await openRedis(options.redisUrl, { role: 'worker', name: 'cdn-etl-sync' });
      passWorker = new Worker<SyncJobData>(SYNC_QUEUE, async (job: Job<SyncJobData>) => summarise(await pass(job.data)), {
        connection: workerRedis,
        prefix: options.prefix,
        concurrency: 1,
        // A pass lasts minutes; the lock is renewed while it runs, a dead process's pass is retried by another.
        lockDuration: 60_000,
      });
      passWorker.on('error', (err) => logger.error({ err: err.message }, 'sync worker error'));
      passWorker.on('failed', (job, err) => logger.error({ job: job?.id, err: err.message }, 'sync pass failed'));
      logger.info({ prefix: options.prefix, everyMs: options.everyMs }, 'sync scheduled');
    }
    let closing: Promise<void> | undefined;
    const started = workers;
    return {
      workers: started,
      oncePass,
      close() {
        closing ??= (async () => {
          stopping.abort();
          await passWorker?.close();
          await oncePass?.catch(() => undefined);
          await workers?.close();
          await schedulerQueue?.close();
          await closeRedis(workerRedis);
          await client.close();
        })();
        return closing;
      },
      abandon() {
        stopping.abort();
        void passWorker?.close(true).catch(() => undefined);
        started.abandon();
        void schedulerQueue?.close().catch(() => undefined);
        workerRedis?.disconnect();
        client.redis.disconnect();
      },
    };
  } catch (err) {
    await passWorker?.close();
    await workers?.close();
    await schedulerQueue?.close();
    await closeRedis(workerRedis);
    await client.close();
    throw err;
  }
}

/** The job's return value: small, for bull-board. */
function summarise(r: SyncPassReport): Record<string, unknown> {
  return { id: r.id, state: r.state, domains: r.domains.length, rows: r.summary.rows, calls: r.summary.calls, failed: r.summary.counts.failed };
}
