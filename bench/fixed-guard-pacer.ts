/**
 * The baseline of `npm run bench:pacing`: the global pacer as it was before issue 17 (git history of
 * src/redis/redis-pacer.ts), kept here only to be measured against its successor in the same run. Calls spaced
 * (1000 + guardMs) / qps ms apart on Redis' clock, a sliding log of (1000 + guardMs) ms, and a throttled answer
 * pausing every caller (the old fetch stage paused for Retry-After or 1000 ms). Its reserve and confirm Lua are
 * inline: they are no part of the product's scripts any more (its pause is, unchanged).
 */
import type { Redis } from 'ioredis';
import { sleep } from '../src/core/sleep.js';
import { runScript } from '../src/redis/redis-scripts.js';

const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = now
if nextFree > now then slot = nextFree end
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1])), 'PX', 3600000)
return string.format('%.0f', slot - now)`;

const CONFIRM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {string.format('%.0f', math.max(1, tonumber(oldest[2]) + window - now + 1)), '0'}
end
local at = string.format('%.0f', now)
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
return {'0', at}`;

type Scripted = Redis & {
  benchFixedReserve(key: string, spacingUs: string): Promise<string>;
  benchFixedConfirm(log: string, windowUs: string, qps: string, member: string): Promise<[string, string]>;
};

export interface FixedGuardPacer {
  acquire(): Promise<number>;
  /** The old throttle path: every caller waits `ms` (Retry-After, or 1000 ms). */
  pause(ms: number): Promise<void>;
}

export function createFixedGuardPacer(redis: Redis, key: string, qps: number, guardMs = 50): FixedGuardPacer {
  const r = redis as Scripted;
  if (typeof r.benchFixedReserve !== 'function') {
    redis.defineCommand('benchFixedReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('benchFixedConfirm', { numberOfKeys: 1, lua: CONFIRM });
  }
  const spacingUs = String(Math.ceil(((1000 + guardMs) / qps) * 1000));
  const windowUs = String((1000 + guardMs) * 1000);
  let sequence = 0;
  return {
    async acquire() {
      const waitUs = Number(await r.benchFixedReserve(key, spacingUs));
      if (waitUs > 0) await sleep(waitUs / 1000);
      for (;;) {
        const [againUs, atUs] = await r.benchFixedConfirm(`${key}:log`, windowUs, String(qps), `${process.pid}-${++sequence}`);
        if (againUs === '0') return Number(atUs);
        await sleep(Number(againUs) / 1000);
      }
    },
    async pause(ms) {
      // Unchanged since: the product's own script.
      await runScript(redis, 'pacer-pause', [key], [String(Math.ceil(ms * 1000))]);
    },
  };
}
