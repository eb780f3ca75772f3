/**
 * The producer side of the pipeline: the queues and the bookkeeping over one fail-fast connection. Enqueues
 * chunks, never processes them.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Chunk } from '../core/model.js';
import { BackfillStore, type BackfillParams } from './backfill-store.js';
import { FETCH_QUEUE, LOAD_QUEUE } from './pipeline-keys.js';
import { fetchJobId, fetchJobOptions, FETCH_JOB_NAME, type FetchJobData, type LoadJobData } from './pipeline-jobs.js';
import { asRedisUnavailable, closeRedis, openRedis } from '../redis/redis-connection.js';

export interface PipelineClientOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** Written into every fetch job (core/job-fingerprint.ts). */
  readonly fingerprint?: string | undefined;
}

export class PipelineClient {
  private constructor(
    readonly redis: Redis,
    readonly store: BackfillStore,
    readonly fetchQueue: Queue<FetchJobData>,
    readonly loadQueue: Queue<LoadJobData>,
    private readonly fingerprint: string | undefined,
  ) {}

  /** Connects; throws ServiceUnavailableError('redis') at once when Redis does not answer. */
  static async open(options: PipelineClientOptions): Promise<PipelineClient> {
    const redis = await openRedis(options.redisUrl, { role: 'producer', name: 'cdn-etl-producer' });
    const fetchQueue = new Queue<FetchJobData>(FETCH_QUEUE, { connection: redis, prefix: options.prefix });
    const loadQueue = new Queue<LoadJobData>(LOAD_QUEUE, { connection: redis, prefix: options.prefix });
    return new PipelineClient(redis, new BackfillStore(redis, options.prefix), fetchQueue, loadQueue, options.fingerprint);
  }

  /**
   * Records a new backfill (or sync pass, or repair) with its chunks, then enqueues them: the one way work enters
   * the pipeline, so the record always exists before a worker can take a chunk of it.
   */
  async submit(id: string, params: BackfillParams, chunks: readonly Chunk[], now: number): Promise<void> {
    await this.store.createBackfill(id, params, chunks, now);
    await this.enqueueChunks(id, chunks, { refetch: params.refetch, round: 0 });
  }

  /** Adds one fetch job per chunk (job ids scoped by backfill id and round: re-adding a queued chunk is a no-op). */
  async enqueueChunks(backfillId: string, chunks: readonly Chunk[], options: { refetch: boolean; round: number }): Promise<void> {
    try {
      for (let i = 0; i < chunks.length; i += 500) {
        await this.fetchQueue.addBulk(
          chunks.slice(i, i + 500).map((chunk) => ({
            name: FETCH_JOB_NAME,
            data: { backfillId, chunk, refetch: options.refetch, round: options.round, ...(this.fingerprint ? { fingerprint: this.fingerprint } : {}) },
            opts: fetchJobOptions(fetchJobId(backfillId, chunk.id, options.round)),
          })),
        );
      }
    } catch (err) {
      throw asRedisUnavailable(err);
    }
  }

  /** Removes both queues and every job in them (tests, and `--purge`-like maintenance). Bookkeeping stays. */
  async obliterate(): Promise<void> {
    await this.fetchQueue.obliterate({ force: true });
    await this.loadQueue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await Promise.all([this.fetchQueue.close(), this.loadQueue.close()]);
    await closeRedis(this.redis);
  }
}
