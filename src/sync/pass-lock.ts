/**
 * One sync pass at a time per installation: a Redis lock (SET NX PX with a random token, renewed while held,
 * released only by its holder). Scheduled passes and `--once` runs all take it, so concurrent `--once` runs are
 * serialised and never overlap a scheduled pass; a holder that died frees it after `ttlMs`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import { runScript } from '../redis/redis-scripts.js';
import { syncKeys } from './sync-keys.js';

export interface PassLockOptions {
  /** How long the lock outlives a holder that stopped renewing it, ms (default 60 s). */
  readonly ttlMs?: number;
  /** Pause between attempts while another process holds it, ms (default 250). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface HeldLock {
  /** Whether renewal has failed (the lock may have passed to someone else). */
  readonly lost: () => boolean;
  release(): Promise<void>;
}

/**
 * Waits until the installation's pass lock is free, takes it and keeps it renewed until release().
 *
 * @example const lock = await acquirePassLock(redis, prefix); try { ... } finally { await lock.release(); }
 * @throws ServiceUnavailableError('redis') when the signal aborts before the lock was taken.
 */
export async function acquirePassLock(redis: Redis, prefix: string, options: PassLockOptions = {}): Promise<HeldLock> {
  const key = syncKeys(prefix).lock;
  const ttlMs = options.ttlMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const token = randomBytes(12).toString('hex');
  for (;;) {
    if (options.signal?.aborted) throw new ServiceUnavailableError('redis', 'stopped while waiting for another sync pass to end');
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') break;
    await sleep(pollMs);
  }
  let lost = false;
  const timer = setInterval(() => {
    runScript(redis, 'lock-renew', [key], [token, String(ttlMs)]).then(
      (ok) => {
        if (Number(ok) !== 1) lost = true;
      },
      () => {
        // A Redis blip: the next renewal tries again; the TTL leaves room for a few misses.
      },
    );
  }, Math.max(1_000, Math.floor(ttlMs / 3)));
  timer.unref();
  let released = false;
  return {
    lost: () => lost,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        await runScript(redis, 'lock-release', [key], [token]);
      } catch {
        // The TTL frees it.
      }
    },
  };
}
