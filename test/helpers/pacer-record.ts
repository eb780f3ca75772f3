/**
 * The pacer's own record of the calls it allowed, read back for quota claims. A claim judged on this record
 * (Redis' clock, written atomically by the pacer's Lua) is exact on any machine; the same claim judged on the
 * simulator's arrival times is decided by the operating system's scheduler on a busy one.
 */
import { Redis } from 'ioredis';
import { pipelineKeys } from '../../src/pipeline/pipeline-keys.js';
import { readGrants, type PacerGrant } from '../../src/redis/redis-pacer.js';

/** Every grant the pacer of installation `prefix` recorded, oldest first. */
export async function pacerGrants(redisUrl: string, prefix: string): Promise<PacerGrant[]> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await readGrants(redis, pipelineKeys(prefix).pacer);
  } finally {
    redis.disconnect();
  }
}
