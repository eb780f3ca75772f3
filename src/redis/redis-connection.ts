/**
 * The one factory for Redis connections of the pipeline. Every connection comes from config.redisUrl, so a
 * database number in the URL (`redis://host:6379/3`) is honoured by queues and bookkeeping alike.
 */
import { Redis } from 'ioredis';
import { redactUrl } from '../core/config.js';
import { ServiceUnavailableError } from '../core/errors.js';

/**
 * - `worker`: BullMQ workers block and must survive Redis restarts: commands wait (maxRetriesPerRequest: null);
 * - `producer`: enqueueing and bookkeeping fail fast when Redis is down (no offline queue).
 */
export type ConnectionRole = 'worker' | 'producer';

export interface RedisConnectionOptions {
  readonly role: ConnectionRole;
  /** How long to wait for the first connection before giving up (producer role), ms. */
  readonly connectTimeoutMs?: number;
  readonly name?: string;
}

/**
 * Opens a connection and waits until it is ready. Throws ServiceUnavailableError('redis') when Redis does not
 * answer, with a message that names the (password-redacted) URL.
 *
 * @example
 * const redis = await openRedis(config.redisUrl, { role: 'producer' });
 */
export async function openRedis(redisUrl: string, options: RedisConnectionOptions): Promise<Redis> {
  const connectTimeout = options.connectTimeoutMs ?? 5_000;
  const redis =
    options.role === 'worker'
      ? new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectTimeout, connectionName: options.name })
      : new Redis(redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout,
          connectionName: options.name,
          // A producer that lost Redis keeps trying in the background; calls fail fast meanwhile.
          retryStrategy: (times) => Math.min(times * 200, 2_000),
        });
  // Without a listener ioredis prints unhandled 'error' events; failures surface through connect() and commands.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new ServiceUnavailableError('redis', `Redis does not answer at ${redactUrl(redisUrl)}: ${(err as Error).message}`, { cause: err });
  }
  return redis;
}

/** Closes a connection politely, falling back to a hard disconnect. Never throws. */
export async function closeRedis(redis: Redis | undefined): Promise<void> {
  if (!redis) return;
  try {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  } catch {
    redis.disconnect();
  }
}

/** Wraps a Redis command failure of a producer into ServiceUnavailableError; other errors pass through. */
export function asRedisUnavailable(err: unknown): unknown {
  if (err instanceof Error && /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|enableOfflineQueue|max retries per request|LOADING/i.test(err.message)) {
    return new ServiceUnavailableError('redis', `Redis is unavailable: ${err.message}`, { cause: err });
  }
  return err;
}
