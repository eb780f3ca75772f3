/**
 * Backfill bookkeeping in Redis: each backfill's parameters, chunks, chunk states, failures and counters, and
 * the chunks remembered as finished across backfills. State changes go through one Lua script so the per-state
 * counts stay exact whichever worker process reports, and a chunk's rows are counted once however often its
 * load is repeated.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Chunk, UnavailableRange } from '../core/model.js';
import { pipelineKeys, type PipelineKeys } from './pipeline-keys.js';

import { CHUNK_STATES, type ChunkState } from '../core/chunk-outcome.js';
import { runScript } from '../redis/redis-scripts.js';

export interface BackfillParams {
  readonly domains: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly refetch: boolean;
  readonly unavailable: readonly UnavailableRange[];
}

export type BackfillState = 'running' | 'done' | 'failed';

export interface BackfillSummary extends BackfillParams {
  readonly id: string;
  readonly createdAt: number;
  /** When the last chunk ended, if it has. */
  readonly finishedAt: number | undefined;
  readonly total: number;
  readonly counts: Readonly<Record<ChunkState, number>>;
  /** Chunks ended loaded or empty. */
  readonly done: number;
  readonly ended: number;
  readonly calls: number;
  readonly throttles: number;
  readonly retries: number;
  readonly rows: number;
  /** Chunks served from an earlier fetch without an API call. */
  readonly reused: number;
  readonly state: BackfillState;
}

export interface ChunkFailure {
  readonly chunk: Chunk;
  /** The API's Code (`InvalidDomain.NotFound`) or a cdn-etl code. */
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

/** A chunk whose rows are in QuestDB, remembered by chunk id (domain, interval, start, end). */
export interface RememberedChunk {
  readonly domain: string;
  readonly intervalS: number;
  readonly start: number;
  readonly end: number;
  readonly rows: number;
  readonly fetchedAt: number;
  /** Whether any slot of the chunk was still provisional when fetched: such chunks are always fetched again. */
  readonly provisional: boolean;
}

export type CounterName = 'calls' | 'throttles' | 'retries' | 'reused';

/** A readable, unique backfill id: `bf-20261129T1930Z-k3x9qa`. Never all digits, never a ':'. */
export function newBackfillId(now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const random = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return `bf-${stamp}Z-${random}`;
}

export const BACKFILL_ID_PATTERN = /^bf-\d{8}T\d{4}Z-[a-z0-9]{6}$/;

/** Bookkeeping for backfills, over one producer connection. */
export class BackfillStore {
  readonly keys: PipelineKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = pipelineKeys(prefix);
  }

  /** Records a new backfill and its chunks (pending); it appears in list() once every chunk is recorded. */
  async createBackfill(id: string, params: BackfillParams, chunks: readonly Chunk[], now: number): Promise<void> {
    const meta: Record<string, string> = {
      id,
      created_at: String(now),
      from: String(params.from),
      to: String(params.to),
      domains: params.domains.join(','),
      refetch: params.refetch ? '1' : '0',
      unavailable: JSON.stringify(params.unavailable),
      total: '0',
      calls: '0',
      throttles: '0',
      retries: '0',
      reused: '0',
      rows: '0',
    };
    for (const s of CHUNK_STATES) meta[`n_${s}`] = '0';
    await this.redis.hset(this.keys.meta(id), meta);
    await this.addChunks(id, chunks);
    if (chunks.length === 0) await this.redis.hset(this.keys.meta(id), 'finished_at', String(now));
    await this.redis.zadd(this.keys.backfills, now, id);
  }

  /** Starts a new round of job ids for a backfill (re-running its failed chunks) and returns its number. */
  async nextRound(id: string): Promise<number> {
    return this.redis.hincrby(this.keys.meta(id), 'round', 1);
  }

  /** Deletes the bookkeeping of these backfills (old sync passes); chunks remembered across backfills stay. */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.del(this.keys.meta(id), this.keys.chunks(id), this.keys.states(id), this.keys.errors(id));
      pipeline.zrem(this.keys.backfills, id);
    }
    await pipeline.exec();
  }

  /** Adds chunks (pending) to a backfill; chunks it already has are left as they are. Returns how many were new. */
  async addChunks(id: string, chunks: readonly Chunk[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < chunks.length; i += 500) {
      const args: string[] = [];
      for (const c of chunks.slice(i, i + 500)) args.push(c.id, JSON.stringify(c));
      added += Number(await runScript(this.redis, 'chunk-add', [this.keys.states(id), this.keys.meta(id), this.keys.chunks(id)], args));
    }
    return added;
  }

  /**
   * Moves a chunk to `state`. An ended chunk (loaded, empty, failed, replanned) stays where it is unless
   * `reopen` is set (retry of failed chunks). Returns the previous state, or undefined for an unknown chunk.
   */
  async transition(id: string, chunkId: string, state: ChunkState, options: { rows?: number; reopen?: boolean; now: number }): Promise<ChunkState | undefined> {
    const old = await runScript(
      this.redis,
      'chunk-transition',
      [this.keys.states(id), this.keys.meta(id)],
      [chunkId, state, String(options.rows ?? 0), options.reopen ? '1' : '0', String(options.now)],
    );
    return (old ?? undefined) as ChunkState | undefined;
  }

  /** Records why a chunk failed (or was re-planned) and moves it to that state. */
  async recordOutcome(id: string, chunkId: string, state: 'failed' | 'replanned', code: string, message: string, now: number): Promise<ChunkState | undefined> {
    await this.redis.hset(this.keys.errors(id), chunkId, JSON.stringify({ code, message, at: now }));
    return this.transition(id, chunkId, state, { now });
  }

  async increment(id: string, counter: CounterName, by = 1): Promise<void> {
    await this.redis.hincrby(this.keys.meta(id), counter, by);
  }

  async chunkState(id: string, chunkId: string): Promise<ChunkState | undefined> {
    return ((await this.redis.hget(this.keys.states(id), chunkId)) ?? undefined) as ChunkState | undefined;
  }

  async summary(id: string): Promise<BackfillSummary | undefined> {
    const m = await this.redis.hgetall(this.keys.meta(id));
    return m.id ? toSummary(m) : undefined;
  }

  /** Backfills, newest first. */
  async list(limit = 50): Promise<BackfillSummary[]> {
    const ids = await this.redis.zrevrange(this.keys.backfills, 0, limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.meta(id));
    const results = (await pipeline.exec()) ?? [];
    const out: BackfillSummary[] = [];
    for (const [err, m] of results) {
      if (!err && m && (m as Record<string, string>).id) out.push(toSummary(m as Record<string, string>));
    }
    return out;
  }

  /** The chunks of a backfill that are in one of `states`, in plan order of their ids. */
  async chunksIn(id: string, states: readonly ChunkState[]): Promise<Chunk[]> {
    const all = await this.redis.hgetall(this.keys.states(id));
    const wanted = Object.keys(all).filter((cid) => states.includes(all[cid] as ChunkState));
    if (wanted.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.chunks(id), ...wanted);
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Chunk);
  }

  /** The failed chunks of a backfill with their codes, ordered by domain then start. */
  async failures(id: string): Promise<ChunkFailure[]> {
    const chunks = await this.chunksIn(id, ['failed']);
    if (chunks.length === 0) return [];
    const errors = await this.redis.hmget(this.keys.errors(id), ...chunks.map((c) => c.id));
    return chunks
      .map((chunk, i) => {
        const e = errors[i] ? (JSON.parse(errors[i]!) as { code: string; message: string; at: number }) : { code: 'UNKNOWN', message: '', at: 0 };
        return { chunk, code: e.code, message: e.message, at: e.at };
      })
      .sort((a, b) => a.chunk.domain.localeCompare(b.chunk.domain) || a.chunk.start - b.chunk.start);
  }

  async remembered(chunkId: string): Promise<RememberedChunk | undefined> {
    const raw = await this.redis.hget(this.keys.remembered, chunkId);
    return raw ? (JSON.parse(raw) as RememberedChunk) : undefined;
  }

  /**
   * Remembers a finished chunk so later backfills reuse it. A chunk that held provisional slots is never reused,
   * so it is not kept: otherwise every sync pass (whose newest chunk is always provisional) would grow the hash.
   */
  async remember(chunkId: string, chunk: RememberedChunk): Promise<void> {
    if (chunk.provisional) {
      await this.redis.hdel(this.keys.remembered, chunkId);
      return;
    }
    await this.redis.hset(this.keys.remembered, chunkId, JSON.stringify(chunk));
  }
}

function toSummary(m: Record<string, string>): BackfillSummary {
  const n = (k: string): number => Number(m[k] ?? 0);
  const counts = Object.fromEntries(CHUNK_STATES.map((s) => [s, n(`n_${s}`)])) as Record<ChunkState, number>;
  const total = n('total');
  const ended = counts.loaded + counts.empty + counts.failed + counts.replanned;
  const finishedAt = m.finished_at ? Number(m.finished_at) : undefined;
  const state: BackfillState = ended >= total && finishedAt !== undefined ? (counts.failed > 0 ? 'failed' : 'done') : 'running';
  return {
    id: m.id!,
    createdAt: n('created_at'),
    finishedAt,
    domains: (m.domains ?? '').split(',').filter(Boolean),
    from: n('from'),
    to: n('to'),
    refetch: m.refetch === '1',
    unavailable: JSON.parse(m.unavailable ?? '[]') as UnavailableRange[],
    total,
    counts,
    done: counts.loaded + counts.empty,
    ended,
    calls: n('calls'),
    throttles: n('throttles'),
    retries: n('retries'),
    reused: n('reused'),
    rows: n('rows'),
    state,
  };
}
