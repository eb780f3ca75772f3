/**
 * Redis keys of the sync, under config.redisPrefix next to the pipeline's (`<prefix>:bk:...`): one prefix is one
 * installation, and its watermarks, lock and schedule are shared by every `sync` process on it.
 */

/** The BullMQ queue whose job scheduler emits one job per sync period. */
export const SYNC_QUEUE = 'sync';
/** The fixed scheduler id: every `sync` process upserts the same one, so a period yields one pass. */
export const SYNC_SCHEDULER_ID = 'sync-pass';
export const SYNC_JOB_NAME = 'sync-pass';

export interface SyncKeys {
  /** Hash: domain -> JSON DomainWatermark. */
  readonly watermarks: string;
  /** String: the token of the process running a pass (passes never overlap). */
  readonly lock: string;
  /** Sorted set of pass ids (their bookkeeping lives with the backfills), scored by creation time. */
  readonly passes: string;
  /** Hash: pass id -> JSON summary of the pass (ranges, coarse parts, skipped domains, watermarks). */
  readonly passReports: string;
}

export function syncKeys(prefix: string): SyncKeys {
  const base = `${prefix}:sync`;
  return {
    watermarks: `${base}:watermarks`,
    lock: `${base}:lock`,
    passes: `${base}:passes`,
    passReports: `${base}:pass-reports`,
  };
}
