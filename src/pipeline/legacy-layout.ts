/**
 * Upgrades a prefix's Redis from the layout before issue 13 (every chunk of every backfill in Redis, and a hash of
 * every chunk ever loaded) to the bounded one, once, on the first start of a worker (docs/OPERATIONS.md):
 * - `bk:remembered` (chunk id -> what was loaded) is written to QuestDB's chunk ledger, then dropped;
 * - each old backfill keeps its counters; its chunks in flight move to its window (their queued jobs stay valid),
 *   its failed and re-planned chunks to their hashes; the per-chunk hashes are dropped.
 * Idempotent and restartable: a key is dropped only after what it held was written elsewhere.
 */
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Chunk } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import type { LedgerEntry, LedgerWriter } from '../store/chunk-ledger.js';
import { runScript } from '../redis/redis-scripts.js';
import { inFlightEntry, type InFlight } from './backfill-store.js';
import { pipelineKeys } from './pipeline-keys.js';

export const LAYOUT_VERSION = '2';

export interface LegacyUpgrade {
  /** Chunks moved from `bk:remembered` to the ledger. */
  readonly remembered: number;
  /** Backfills whose per-chunk hashes were converted. */
  readonly backfills: number;
}

interface RememberedChunk {
  readonly domain: string;
  readonly intervalS: number;
  readonly start: number;
  readonly end: number;
  readonly rows: number;
  readonly fetchedAt: number;
  readonly provisional: boolean;
}

const IN_FLIGHT = new Set(['pending', 'fetching', 'loading']);

/** Upgrades `prefix` if it is still in the old layout; returns what was done, or undefined when nothing was to do. */
export async function upgradeLegacyLayout(redis: Redis, prefix: string, ledger: LedgerWriter, now: number, logger?: Logger): Promise<LegacyUpgrade | undefined> {
  const keys = pipelineKeys(prefix);
  if ((await redis.get(keys.layout)) === LAYOUT_VERSION) return undefined;
  const lock = `${keys.layout}:lock`;
  const token = randomBytes(8).toString('hex');
  // Another process is upgrading: it will be done by the time this one's work reaches old keys, or on its next start.
  if ((await redis.set(lock, token, 'PX', 10 * 60_000, 'NX')) !== 'OK') return undefined;
  try {
    const remembered = await moveRemembered(redis, keys.remembered, ledger);
    let backfills = 0;
    for (const id of await redis.zrange(keys.backfills, 0, -1)) {
      if (await convertBackfill(redis, prefix, id, now)) backfills += 1;
    }
    await redis.set(keys.layout, LAYOUT_VERSION);
    if (remembered > 0 || backfills > 0) logger?.info({ remembered, backfills }, 'Redis upgraded to the bounded layout: remembered chunks moved to the QuestDB ledger');
    return { remembered, backfills };
  } finally {
    await runScript(redis, 'lock-release', [lock], [token]).catch(() => undefined);
  }
}

async function moveRemembered(redis: Redis, key: string, ledger: LedgerWriter): Promise<number> {
  let moved = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 2_000);
    cursor = next;
    const entries: LedgerEntry[] = [];
    for (let i = 1; i < flat.length; i += 2) {
      const r = JSON.parse(flat[i]!) as RememberedChunk;
      // Provisional chunks were never reused; the ledger records them as such.
      entries.push({ domain: r.domain, intervalS: r.intervalS, start: r.start, end: r.end, rows: r.rows, fetchedAt: r.fetchedAt, final: !r.provisional });
    }
    await ledger.record(entries);
    moved += entries.length;
  } while (cursor !== '0');
  await redis.del(key);
  return moved;
}

async function convertBackfill(redis: Redis, prefix: string, id: string, now: number): Promise<boolean> {
  const keys = pipelineKeys(prefix);
  const meta = keys.meta(id);
  const m = await redis.hgetall(meta);
  if (!m.id || m.kind !== undefined) return false;
  const old = { chunks: `${meta}:chunks`, states: `${meta}:states`, errors: `${meta}:errors` };
  const [states, chunks, errors] = await Promise.all([redis.hgetall(old.states), redis.hgetall(old.chunks), redis.hgetall(old.errors)]);
  const round = Number(m.round ?? 0);
  const domains = (m.domains ?? '').split(',').filter(Boolean);
  const pipeline = redis.multi();
  let open = 0;
  for (const [chunkId, state] of Object.entries(states)) {
    const raw = chunks[chunkId];
    if (!raw) continue;
    const chunk = JSON.parse(raw) as Chunk;
    const error = errors[chunkId] ? (JSON.parse(errors[chunkId]!) as { code: string; message: string; at: number }) : { code: 'UNKNOWN', message: '', at: now };
    if (IN_FLIGHT.has(state)) {
      pipeline.hset(keys.inflight(id), chunkId, inFlightEntry(state as InFlight['state'], now, round, chunk));
      open += 1;
    } else if (state === 'failed') {
      pipeline.hset(keys.failed(id), chunkId, JSON.stringify({ chunk, code: error.code, message: error.message, at: error.at }));
    } else if (state === 'replanned') {
      pipeline.hset(keys.replanned(id), chunkId, JSON.stringify({ chunk, into: [], code: error.code, at: error.at }));
    }
  }
  pipeline.set(keys.domains(id), domains.join(','));
  pipeline.hset(meta, {
    kind: 'list',
    size: '0',
    cursor: '0',
    class: id.startsWith('sync-') ? 'sync' : 'backfill',
    domain_count: String(domains.length),
    domain_head: domains.slice(0, 3).join(','),
    round: String(round),
    n_refused: m.n_refused ?? '0',
  });
  pipeline.hdel(meta, 'domains');
  if (open > 0) pipeline.sadd(keys.active, id);
  pipeline.del(old.chunks, old.states, old.errors);
  await pipeline.exec();
  return true;
}
