/**
 * Durable per-domain watermarks in Redis (one hash under the installation's prefix). Advancing is atomic and
 * monotonic (a Lua max), so two processes can never move a watermark backwards; `--since` replaces one outright.
 */
import type { Redis } from 'ioredis';
import { runScript } from '../redis/redis-scripts.js';
import type { DomainWatermark } from './sync-plan.js';
import { syncKeys } from './sync-keys.js';

/** The slice of ioredis the store uses. */
export type WatermarkRedis = Pick<Redis, 'hget' | 'hset' | 'hsetnx' | 'hgetall' | 'hmget' | 'hdel' | 'defineCommand'>;

export class WatermarkStore {
  private readonly key: string;

  constructor(
    private readonly redis: WatermarkRedis,
    prefix: string,
  ) {
    this.key = syncKeys(prefix).watermarks;
  }

  /** The stored watermarks of these domains (absent ones are missing from the map). */
  async get(domains: readonly string[]): Promise<Map<string, DomainWatermark>> {
    const out = new Map<string, DomainWatermark>();
    if (domains.length === 0) return out;
    const raw = await this.redis.hmget(this.key, ...domains);
    domains.forEach((d, i) => {
      const r = raw[i];
      if (r) out.set(d, parseWatermark(r));
    });
    return out;
  }

  /** Every stored watermark, by domain. */
  async all(): Promise<Map<string, DomainWatermark>> {
    const raw = await this.redis.hgetall(this.key);
    return new Map(Object.entries(raw).map(([d, r]) => [d, parseWatermark(r)]));
  }

  /** Replaces a domain's watermark (`--since`). */
  async replace(domain: string, wm: DomainWatermark): Promise<void> {
    await this.redis.hset(this.key, domain, JSON.stringify(wm));
  }

  /** Stores `wm` only when the domain has none yet; returns whether it did. */
  async initialise(domain: string, wm: DomainWatermark): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, domain, JSON.stringify(wm))) === 1;
  }

  /** Moves a domain's watermark forward to `to` (never back); returns what is stored afterwards. */
  async advance(domain: string, to: number, now: number): Promise<DomainWatermark | undefined> {
    const raw = await runScript(this.redis, 'watermark-advance', [this.key], [domain, String(to), String(now)]);
    return typeof raw === 'string' ? parseWatermark(raw) : undefined;
  }

  async remove(domain: string): Promise<void> {
    await this.redis.hdel(this.key, domain);
  }
}

/**
 * Each synced domain's watermark (epoch ms): for freshness metrics (now - watermark = how far the final archive
 * lags behind).
 *
 * @example const lag = Date.now() - (await readWatermarks(redis, config.redisPrefix)).get('a.com')!;
 */
export async function readWatermarks(redis: WatermarkRedis, prefix: string): Promise<Map<string, number>> {
  const all = await new WatermarkStore(redis, prefix).all();
  return new Map([...all].map(([d, wm]) => [d, wm.watermark]));
}

function parseWatermark(raw: string): DomainWatermark {
  const v = JSON.parse(raw) as Partial<DomainWatermark>;
  return { watermark: Number(v.watermark), floor: Number(v.floor ?? v.watermark), updatedAt: Number(v.updatedAt ?? 0) };
}
