/**
 * The sync that is scheduled on a Redis prefix, read back for planning (`backfill --dry-run` takes its share of the
 * quota off the top): the selection, mode and period the last `sync` process upserted into the BullMQ job scheduler,
 * and how many domains that is (the watermarks' count for `--all-domains`: the domains the sync already follows).
 * Read-only.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SYNC_QUEUE, SYNC_SCHEDULER_ID, syncKeys } from './sync-keys.js';
import type { SyncJobData } from './sync-service.js';

export interface ScheduledSync {
  readonly data: SyncJobData;
  /** The schedule's period, ms. */
  readonly everyMs: number;
  readonly domainCount: number;
}

/** The scheduled sync on `prefix`, or undefined when no `sync` process has scheduled one. */
export async function readScheduledSync(redis: Redis, prefix: string): Promise<ScheduledSync | undefined> {
  const queue = new Queue<SyncJobData>(SYNC_QUEUE, { connection: redis, prefix });
  try {
    const scheduler = await queue.getJobScheduler(SYNC_SCHEDULER_ID);
    const data = scheduler?.template?.data;
    if (!data || scheduler.every === undefined) return undefined;
    const domainCount = data.selection.kind === 'domains' ? data.selection.domains.length : await redis.hlen(syncKeys(prefix).watermarks);
    return { data, everyMs: Number(scheduler.every), domainCount };
  } finally {
    await queue.close();
  }
}
