/**
 * The pipeline's Redis and QuestDB building blocks against the real servers: bookkeeping transitions and
 * counters, the global pacer across several connections (judged on its own record, on Redis' clock), and the
 * load stage's group commit.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chunk } from '../../src/core/model.js';
import { BackfillStore } from '../../src/pipeline/backfill-store.js';
import { LoadBatcher } from '../../src/pipeline/load-batcher.js';
import { createRedisPacer, maxGrantsInWindow, readGrants } from '../../src/redis/redis-pacer.js';
import { chunkId } from '../../src/plan/chunk-id.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import { cleanPrefix, migrate, QUESTDB_HTTP, readRows, REDIS_URL, uniqueDomains, uniquePrefix } from '../helpers/pipeline-fixture.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);

function chunks(domain: string, n: number): Chunk[] {
  return Array.from({ length: n }, (_, i) => {
    const start = T0 + i * HOUR;
    return { id: chunkId(domain, 60, start, start + HOUR), domain, intervalS: 60, start, end: start + HOUR, callStart: start, callEnd: start + HOUR - 60_000 };
  });
}

describe('pipeline building blocks', () => {
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL);
  beforeAll(migrate);
  afterAll(async () => {
    await redis.quit();
    await cleanPrefix(prefix);
  });

  it('bookkeeping: states, per-state counts, rows counted once, end of a backfill, reopening failed chunks', async () => {
    const store = new BackfillStore(redis, prefix);
    const list = chunks('a.example.com', 3);
    const [a, b, c] = list as [Chunk, Chunk, Chunk];
    await store.createBackfill('bf-20261129T1000Z-aaaaaa', { domains: ['a.example.com'], from: T0, to: T0 + 3 * HOUR, refetch: false, unavailable: [] }, list, 1000);
    const id = 'bf-20261129T1000Z-aaaaaa';
    expect((await store.summary(id))!.counts.pending).toBe(3);
    expect(await store.addChunks(id, [a])).toBe(0);

    expect(await store.transition(id, a.id, 'fetching', { now: 2000 })).toBe('pending');
    expect(await store.transition(id, a.id, 'loading', { now: 2000 })).toBe('fetching');
    expect(await store.transition(id, a.id, 'loaded', { rows: 60, now: 2000 })).toBe('loading');
    // A repeated load job does not count its rows twice, nor leave the ended state.
    expect(await store.transition(id, a.id, 'loaded', { rows: 60, now: 2000 })).toBe('loaded');
    expect(await store.transition(id, a.id, 'pending', { now: 2000 })).toBe('loaded');
    expect(await store.transition(id, 'no-such-chunk', 'loaded', { now: 2000 })).toBeUndefined();
    await store.transition(id, b.id, 'empty', { now: 3000 });
    let s = (await store.summary(id))!;
    expect([s.state, s.done, s.ended, s.rows, s.finishedAt]).toEqual(['running', 2, 2, 60, undefined]);

    await store.recordOutcome(id, c.id, 'failed', 'InvalidDomain.NotFound', 'no such domain', 4000);
    s = (await store.summary(id))!;
    expect([s.state, s.counts.failed, s.finishedAt]).toEqual(['failed', 1, 4000]);
    expect(await store.failures(id)).toEqual([{ chunk: c, code: 'InvalidDomain.NotFound', message: 'no such domain', at: 4000 }]);

    expect(await store.transition(id, c.id, 'pending', { reopen: true, now: 5000 })).toBe('failed');
    s = (await store.summary(id))!;
    expect([s.state, s.counts.failed, s.counts.pending, s.finishedAt]).toEqual(['running', 0, 1, undefined]);
    await store.transition(id, c.id, 'loaded', { rows: 60, now: 6000 });
    s = (await store.summary(id))!;
    expect([s.state, s.done, s.total, s.rows, s.finishedAt]).toEqual(['done', 3, 3, 120, 6000]);
    expect((await store.list()).map((x) => x.id)).toEqual([id]);

    await store.remember(a.id, { domain: a.domain, intervalS: 60, start: a.start, end: a.end, rows: 60, fetchedAt: 1500, provisional: false });
    expect(await store.remembered(a.id)).toEqual({ domain: a.domain, intervalS: 60, start: a.start, end: a.end, rows: 60, fetchedAt: 1500, provisional: false });
    expect(await store.remembered(b.id)).toBeUndefined();
    // A chunk that held provisional slots is never reused, so remembering it keeps nothing.
    await store.remember(b.id, { domain: b.domain, intervalS: 60, start: b.start, end: b.end, rows: 60, fetchedAt: 1500, provisional: true });
    expect(await store.remembered(b.id)).toBeUndefined();
  });

  it('pacer: callers on three connections never exceed qps in any second by its own record on Redis\' clock', async () => {
    const connections = [new Redis(REDIS_URL), new Redis(REDIS_URL), new Redis(REDIS_URL)];
    try {
      const qps = 20;
      const guardMs = 100;
      const key = `${prefix}:bk:pacer-test`;
      const pacers = connections.map((r, i) => createRedisPacer(r, key, { qps, guardMs, label: `conn-${i}` }));
      const granted: number[] = [];
      // 8 concurrent callers per connection, 60 calls in all.
      let left = 60;
      await Promise.all(
        pacers.flatMap((p) =>
          Array.from({ length: 8 }, async () => {
            while (left > 0) {
              left -= 1;
              granted.push(await p.acquire());
            }
          }),
        ),
      );
      // Judged on the grant times the Lua scripts took from Redis' TIME, not on when this busy process woke up:
      // the claim is exact however loaded the machine is.
      granted.sort((x, y) => x - y);
      expect(granted.length).toBe(60);
      expect(maxGrantsInWindow(granted, 1000)).toBeLessThanOrEqual(qps);
      // Aligned to the API's window: at most qps grants in each calendar second of Redis' clock, none in the last
      // guardMs of a second, so 60 grants take at least three seconds.
      const perSecond = new Map<number, number>();
      for (const g of granted) perSecond.set(Math.floor(g / 1e6), (perSecond.get(Math.floor(g / 1e6)) ?? 0) + 1);
      expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(qps);
      expect(perSecond.size).toBeGreaterThanOrEqual(3);
      expect(granted.filter((g) => g % 1e6 >= (1000 - guardMs) * 1000)).toEqual([]);
      // The record holds the same 60 grants, each named by its caller.
      const record = await readGrants(redis, key);
      expect(record.map((g) => g.atUs)).toEqual(granted);
      expect(new Set(record.map((g) => g.by))).toEqual(new Set(['conn-0', 'conn-1', 'conn-2']));

      // A pause (throttled answer) holds every caller back: the next grant is at least 500 ms after it, by Redis.
      const [sec, us] = await redis.time();
      const pausedAtUs = Number(sec) * 1_000_000 + Number(us);
      await pacers[0]!.pause(500);
      expect((await pacers[1]!.acquire()) - pausedAtUs).toBeGreaterThanOrEqual(500_000);
      // So does a throttled answer that says how long to wait (x-acs-retry-after), and the queue is told as much.
      const [sec2, us2] = await redis.time();
      const throttledAtUs = Number(sec2) * 1_000_000 + Number(us2);
      expect(await pacers[2]!.onThrottle(throttledAtUs, 700)).toBe(700);
      expect((await pacers[0]!.acquire()) - throttledAtUs).toBeGreaterThanOrEqual(700_000);
    } finally {
      await Promise.all(connections.map((r) => r.quit()));
    }
  });

  it('load stage group commit: rows of several jobs go to QuestDB in one flush and read back exactly', async () => {
    const domains = uniqueDomains(4);
    const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
    try {
      const batcher = new LoadBatcher(loader, { maxWaitMs: 200, maxRows: 100_000 });
      const perDomain = domains.map((domain, d) => Array.from({ length: 60 }, (_, i) => ({ ts: T0 + i * 60_000, domain, intervalS: 60, value: d * 1000 + i })));
      await Promise.all(perDomain.map((rows) => batcher.submit(rows)));
      expect(batcher.flushes).toBe(1);
      // Over maxRows: flushed at once, in order.
      const small = new LoadBatcher(loader, { maxWaitMs: 60_000, maxRows: 60 });
      await Promise.all(perDomain.slice(0, 2).map((rows) => small.submit(rows.map((r) => ({ ...r, value: r.value + 0.5 })))));
      expect(small.flushes).toBe(2);
      const expected = perDomain.flat().map((r, i) => (i < 120 ? { ...r, value: r.value + 0.5 } : r));
      expect(await readRows(domains)).toEqual(expected);
    } finally {
      await loader.close();
    }
  });
});
