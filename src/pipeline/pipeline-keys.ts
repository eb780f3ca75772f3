/**
 * Names of the queues and bookkeeping keys. Everything lives under config.redisPrefix: BullMQ gets it as its
 * `prefix` (keys `<prefix>:<queue>:...`), bookkeeping uses `<prefix>:bk:...`, so one prefix is one installation.
 */

/** The fetch stage: one job per chunk, one API call per attempt. */
export const FETCH_QUEUE = 'fetch';
/** The load stage: normalised rows waiting to be written to QuestDB. */
export const LOAD_QUEUE = 'load';

export interface PipelineKeys {
  /** Sorted set of backfill ids, scored by creation time (epoch ms). */
  readonly backfills: string;
  /** Hash: parameters, counters and per-state chunk counts of one backfill. */
  meta(backfillId: string): string;
  /** Hash: chunk id -> JSON Chunk, every chunk the backfill ever had (re-planned ones included). */
  chunks(backfillId: string): string;
  /** Hash: chunk id -> state. */
  states(backfillId: string): string;
  /** Hash: chunk id -> JSON { code, message, at } for failed and re-planned chunks. */
  errors(backfillId: string): string;
  /** Hash: chunk id -> JSON RememberedChunk, shared by every backfill (and later by sync). */
  readonly remembered: string;
  /** String: the pacer's next free call time. */
  readonly pacer: string;
}

/** The keys of one installation. */
export function pipelineKeys(prefix: string): PipelineKeys {
  const bk = `${prefix}:bk`;
  return {
    backfills: `${bk}:backfills`,
    meta: (id) => `${bk}:bf:${id}`,
    chunks: (id) => `${bk}:bf:${id}:chunks`,
    states: (id) => `${bk}:bf:${id}:states`,
    errors: (id) => `${bk}:bf:${id}:errors`,
    remembered: `${bk}:remembered`,
    pacer: `${bk}:pacer`,
  };
}
