/**
 * The window of a backfill: the bounded set of its chunks that are queued or in flight. Whoever frees capacity tops
 * it up from the cursor: the process that submitted the backfill, any worker after a chunk ends, and every worker
 * now and then (window-keeper.ts). There is no feeder process whose death would stall a backfill: the top-up runs
 * under a short lock, claims positions with an atomic cursor check (window-claim.lua) and queues jobs with
 * deterministic ids, so a filler that dies between claim and queue leaves entries without jobs, which sweep()
 * queues again.
 *
 * Before a chunk is queued, QuestDB's ledger is asked whether it is archived final already (then it ends `reused`,
 * with no call), and the backfill's refused domains are skipped (`refused`, no call).
 */
import type { Queue } from 'bullmq';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Tier } from '../aliyun/tiers.js';
import type { Logger } from '../core/logger.js';
import type { Chunk } from '../core/model.js';
import type { LedgerReader } from '../store/chunk-ledger.js';
import { runScript } from '../redis/redis-scripts.js';
import type { BackfillStore } from './backfill-store.js';
import { chunkSourceOf, type ChunkSource } from './chunk-source.js';
import { fetchJobId, fetchJobOptions, FETCH_JOB_NAME, loadJobId, priorityOf, type FetchJobData } from './pipeline-jobs.js';

/** Chunks in flight per backfill: enough to keep every worker busy, small enough that Redis stays small. */
export const DEFAULT_WINDOW_SIZE = 512;
/** Chunks claimed (one ledger question, one addBulk) at a time. */
const CLAIM_BATCH = 256;
/** How long a chunk may sit in the window without a job before sweep() queues it again, ms. */
export const DEFAULT_STALE_MS = 60_000;
const FILL_LOCK_MS = 30_000;

export interface BackfillWindowDeps {
  readonly redis: Redis;
  readonly store: BackfillStore;
  readonly fetchQueue: Queue<FetchJobData>;
  /** Without a ledger nothing is reused (every chunk costs a call). */
  readonly ledger?: LedgerReader | undefined;
  readonly tiers: readonly Tier[];
  readonly marginMs: number;
  readonly now: () => number;
  readonly logger?: Logger | undefined;
  readonly windowSize?: number | undefined;
}

export interface FillResult {
  /** Chunks put in flight. */
  readonly queued: number;
  /** Chunks the ledger already held. */
  readonly reused: number;
  /** Another process was topping the window up. */
  readonly busy: boolean;
}

/** Emits `reused` (count) when chunks end from the ledger, without a job: for metrics. */
export class BackfillWindow extends EventEmitter {
  private readonly sources = new Map<string, ChunkSource>();
  private readonly size: number;
  private readonly filling = new Set<string>();
  private readonly again = new Set<string>();

  constructor(private readonly deps: BackfillWindowDeps) {
    super();
    this.size = deps.windowSize ?? DEFAULT_WINDOW_SIZE;
  }

  /**
   * Tops the window of backfill `id` up to its size, when it is at most half full (so refills come in batches),
   * or whenever `force` is set. `maxBatches` bounds the work of one call (a detached submit returns quickly).
   */
  async fill(id: string, options: { force?: boolean; maxBatches?: number } = {}): Promise<FillResult> {
    const { redis, store } = this.deps;
    // The common case after a chunk ends: the window is more than half full, nothing to do, no lock taken.
    if (!options.force) {
      const [pending, fetching, loading, cursor, size] = await redis.hmget(store.keys.meta(id), 'n_pending', 'n_fetching', 'n_loading', 'cursor', 'size');
      if (Number(pending) + Number(fetching) + Number(loading) > this.size / 2 || Number(cursor) >= Number(size)) return { queued: 0, reused: 0, busy: false };
    }
    const token = randomBytes(8).toString('hex');
    if ((await redis.set(store.keys.fillLock(id), token, 'PX', FILL_LOCK_MS, 'NX')) !== 'OK') return { queued: 0, reused: 0, busy: true };
    let queued = 0;
    let reused = 0;
    try {
      for (let batch = 0; batch < (options.maxBatches ?? Number.POSITIVE_INFINITY); ) {
        const m = await store.meta(id);
        if (!m || m.halt_code) break;
        const size = Number(m.size ?? 0);
        const cursor = Number(m.cursor ?? 0);
        if (cursor >= size) {
          if (m.finished_at) await store.deactivate(id);
          break;
        }
        const inflight = Number(m.n_pending ?? 0) + Number(m.n_fetching ?? 0) + Number(m.n_loading ?? 0);
        const room = this.size - inflight;
        if (room <= 0 || (batch === 0 && !options.force && inflight > this.size / 2)) break;
        const n = Math.min(room, size - cursor, CLAIM_BATCH);
        const chunks = await (await this.sourceOf(id, m)).slice(cursor, n);
        const refused = await store.refusedAmong(id, [...new Set(chunks.map((c) => c.domain))]);
        const candidates = chunks.filter((c) => !refused.has(c.domain));
        const known = m.refetch === '1' ? new Map<string, number>() : await this.askLedger(id, candidates);
        const toQueue = candidates.filter((c) => !known.has(c.id));
        const rowsKnown = [...known.values()];
        const round = Number(m.round ?? 0);
        const claimed = await store.claim(id, {
          cursor,
          next: cursor + chunks.length,
          queued: toQueue,
          round,
          reusedLoaded: rowsKnown.filter((r) => r > 0).length,
          reusedEmpty: rowsKnown.filter((r) => r === 0).length,
          refused: chunks.length - candidates.length,
          now: this.deps.now(),
        });
        if (claimed === -1) continue;
        if (claimed === -2) break;
        batch += 1;
        reused += known.size;
        if (known.size > 0) this.emit('reused', known.size);
        queued += claimed;
        await this.enqueue(id, m, toQueue, round);
        // Keep the lock while a long run of reused chunks is walked.
        await redis.pexpire(store.keys.fillLock(id), FILL_LOCK_MS);
      }
    } finally {
      await runScript(redis, 'lock-release', [store.keys.fillLock(id)], [token]).catch(() => undefined);
    }
    if (reused > 0) this.deps.logger?.info({ backfill: id, reused, queued }, 'chunks archived earlier reused from the ledger, without a call');
    return { queued, reused, busy: false };
  }

  /**
   * Tops the window up in the background after a chunk of it ended (one fill at a time per backfill in this
   * process; a nudge during a fill runs another after it). Failures are logged: the keeper tries again.
   */
  nudge(id: string): void {
    if (this.filling.has(id)) {
      this.again.add(id);
      return;
    }
    this.filling.add(id);
    void this.fill(id)
      .catch((err: unknown) => this.deps.logger?.warn({ backfill: id, err: (err as Error).message }, 'could not top the window up; the keeper will try again'))
      .finally(() => {
        this.filling.delete(id);
        if (this.again.delete(id)) this.nudge(id);
      });
  }

  /** Resolves when every fill started by nudge() has ended. */
  async settle(): Promise<void> {
    while (this.filling.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * Queues again the chunks of the window that have had no job for `staleMs` (their filler died between claim and
   * queue, or their rows' load job was lost with Redis). Returns how many.
   */
  async sweep(id: string, staleMs = DEFAULT_STALE_MS): Promise<number> {
    const { redis, store, fetchQueue } = this.deps;
    const m = await store.meta(id);
    if (!m || m.halt_code) return 0;
    const now = this.deps.now();
    const stale = (await store.window(id)).filter((e) => now - e.since >= staleMs);
    if (stale.length === 0) return 0;
    const pipeline = redis.pipeline();
    for (const e of stale) {
      pipeline.exists(fetchQueue.toKey(fetchJobId(id, e.chunk.id, e.round)));
      pipeline.exists(`${fetchQueue.opts.prefix ?? 'bull'}:load:${loadJobId(id, e.chunk.id, e.round)}`);
    }
    const exists = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
    const lost = stale.filter((_e, i) => exists[2 * i] === 0 && exists[2 * i + 1] === 0);
    for (const e of lost) {
      if (e.state !== 'pending') await store.transition(id, e.chunk.id, 'pending', { now });
      await this.enqueue(id, m, [e.chunk], e.round);
    }
    if (lost.length > 0) this.deps.logger?.warn({ backfill: id, chunks: lost.length }, 'chunks in the window had no job (a filler or Redis lost them): queued again');
    return lost.length;
  }

  /** Adds one fetch job per chunk; a job id already queued is left as it is. */
  async enqueue(id: string, m: Record<string, string>, chunks: readonly Chunk[], round: number, replannedFrom?: string): Promise<void> {
    if (chunks.length === 0) return;
    const now = this.deps.now();
    const workClass = (m.class ?? 'backfill') as Parameters<typeof priorityOf>[0];
    await this.deps.fetchQueue.addBulk(
      chunks.map((chunk) => ({
        name: FETCH_JOB_NAME,
        data: { backfillId: id, chunk, refetch: m.refetch === '1', round, ...(replannedFrom ? { replannedFrom } : {}), ...(m.fingerprint ? { fingerprint: m.fingerprint } : {}) },
        opts: fetchJobOptions(fetchJobId(id, chunk.id, round), priorityOf(workClass, chunk, this.deps.tiers, now)),
      })),
    );
  }

  /**
   * The chunks the ledger holds as archived final. When QuestDB does not answer, none: the chunks are fetched
   * (their rows wait in the load stage until QuestDB is back), because the API forgets and QuestDB comes back; the
   * price is a call for any chunk that was archived already.
   */
  private async askLedger(id: string, chunks: readonly Chunk[]): Promise<Map<string, number>> {
    if (!this.deps.ledger || chunks.length === 0) return new Map();
    try {
      return await this.deps.ledger.knownFinal(chunks);
    } catch (err) {
      this.deps.logger?.warn({ backfill: id, chunks: chunks.length, err: (err as Error).message }, 'QuestDB did not answer what is archived: these chunks are fetched without asking');
      return new Map();
    }
  }

  private async sourceOf(id: string, m: Record<string, string>): Promise<ChunkSource> {
    let source = this.sources.get(id);
    if (!source) {
      source = await chunkSourceOf(this.deps.store, id, m, this.deps.tiers, this.deps.marginMs);
      // A handful of backfills at a time; the oldest is dropped first.
      if (this.sources.size >= 16) this.sources.delete(this.sources.keys().next().value!);
      this.sources.set(id, source);
    }
    return source;
  }
}
