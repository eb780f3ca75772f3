/** Removes everything a benchmark run left under its Redis prefix: the pipeline's queues, then every other key. */
import { Redis } from 'ioredis';
import { PipelineClient } from '../src/pipeline/pipeline-client.js';

export async function cleanPrefix(redisUrl: string, prefix: string): Promise<void> {
  const client = await PipelineClient.open({ redisUrl, prefix });
  await client.obliterate();
  await client.close();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
