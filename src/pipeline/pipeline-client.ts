/**
 * The producer side of the pipeline: the queues and the bookkeeping over one fail-fast connection. Records work
 * and puts its first window in the queue; never processes chunks.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import type { Chunk } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_MARGIN_MS } from '../plan/plan-backfill.js';
import type { LedgerReader } from '../store/chunk-ledger.js';
import { BackfillStore, type BackfillParams, type SourceSpec } from './backfill-store.js';
import { BackfillWindow } from './backfill-window.js';
import { chunkSourceOf } from './chunk-source.js';
import { FETCH_QUEUE, LOAD_QUEUE } from './pipeline-keys.js';
import type { FetchJobData, LoadJobData } from './pipeline-jobs.js';
import { asRedisUnavailable, closeRedis, openRedis } from '../redis/redis-connection.js';

export interface PipelineClientOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** Written into every fetch job (core/job-fingerprint.ts). */
  readonly fingerprint?: string | undefined;
  /** QuestDB's chunk ledger: chunks it holds as archived final are not queued (none: every chunk is queued). */
  readonly ledger?: LedgerReader | undefined;
  readonly tiers?: readonly Tier[] | undefined;
  readonly marginMs?: number | undefined;
  readonly windowSize?: number | undefined;
  readonly logger?: Logger | undefined;
}

export interface SubmitOptions {
  /** Claim batches the submit itself does (default 2: the first window; the workers take it from there). */
  readonly maxBatches?: number;
}

export class PipelineClient {
  private constructor(
    readonly redis: Redis,
    readonly store: BackfillStore,
    readonly fetchQueue: Queue<FetchJobData>,
    readonly loadQueue: Queue<LoadJobData>,
    readonly window: BackfillWindow,
    private readonly options: PipelineClientOptions,
  ) {}

  /** Connects; throws ServiceUnavailableError('redis') at once when Redis does not answer. */
  static async open(options: PipelineClientOptions): Promise<PipelineClient> {
    const redis = await openRedis(options.redisUrl, { role: 'producer', name: 'cdn-etl-producer' });
    const fetchQueue = new Queue<FetchJobData>(FETCH_QUEUE, { connection: redis, prefix: options.prefix });
    const loadQueue = new Queue<LoadJobData>(LOAD_QUEUE, { connection: redis, prefix: options.prefix });
    const store = new BackfillStore(redis, options.prefix);
    const window = new BackfillWindow({
      redis,
      store,
      fetchQueue,
      ledger: options.ledger,
      tiers: options.tiers ?? DEFAULT_TIERS,
      marginMs: options.marginMs ?? DEFAULT_MARGIN_MS,
      now: Date.now,
      logger: options.logger,
      windowSize: options.windowSize,
    });
    return new PipelineClient(redis, store, fetchQueue, loadQueue, window, options);
  }

  /**
   * Records a new backfill (or sync pass, or repair), then puts its first window in the queue: the one way work
   * enters the pipeline, so the record always exists before a worker can take a chunk of it. `source` is a grid
   * (a backfill: domains times the plan) or an explicit list of chunks.
   */
  async submit(id: string, params: BackfillParams, source: SourceSpec | readonly Chunk[], now: number, options: SubmitOptions = {}): Promise<void> {
    const spec: SourceSpec = Array.isArray(source) ? { kind: 'list', chunks: source as readonly Chunk[] } : (source as SourceSpec);
    try {
      await this.store.create(id, { ...params, fingerprint: params.fingerprint ?? this.options.fingerprint }, spec, now);
      await this.window.fill(id, { force: true, maxBatches: options.maxBatches ?? 2 });
    } catch (err) {
      throw asRedisUnavailable(err);
    }
  }

  /**
   * Every chunk of a backfill that ended loaded or empty (reused ones included), computed from its source: for
   * sync passes and tests. O(chunks): not for status.
   */
  async doneChunks(id: string): Promise<Chunk[]> {
    const m = await this.store.meta(id);
    if (!m) return [];
    const source = await chunkSourceOf(this.store, id, m, this.options.tiers ?? DEFAULT_TIERS, this.options.marginMs ?? DEFAULT_MARGIN_MS);
    return this.store.endedWell(id, await source.slice(0, Number(m.size ?? 0)));
  }

  /** Removes both queues and every job in them (tests, and `--purge`-like maintenance). Bookkeeping stays. */
  async obliterate(): Promise<void> {
    await this.fetchQueue.obliterate({ force: true });
    await this.loadQueue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.window.settle();
    await Promise.all([this.fetchQueue.close(), this.loadQueue.close()]);
    await closeRedis(this.redis);
  }
}
