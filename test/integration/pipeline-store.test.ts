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

  it('bookkeeping: a cursor, a window of states, per-state counts, rows counted once, end of a backfill, reopening failed chunks', async () => {
    const store = new BackfillStore(redis, prefix);
    const list = chunks('a.example.com', 4);
    const [a, b, c, d] = list as [Chunk, Chunk, Chunk, Chunk];
    const id = 'bf-20261129T1000Z-aaaaaa';
    await store.create(id, { domains: ['a.example.com'], from: T0, to: T0 + 4 * HOUR, refetch: false, unavailable: [] }, { kind: 'list', chunks: list }, 1000);
    let s = (await store.summary(id))!;
    // Nothing is in the window yet: every chunk waits behind the cursor.
    expect([s.total, s.waiting, s.counts.pending, s.state]).toEqual([4, 4, 4, 'running']);
    expect(await store.listSlice(id, 1, 2)).toEqual([b, c]);

    // Claim the first three positions: a and b go in flight, c is reused from the ledger (with rows).
    expect(await store.claim(id, { cursor: 0, next: 3, queued: [a, b], round: 0, reusedLoaded: 1, reusedEmpty: 0, refused: 0, now: 1500 })).toBe(2);
    // A second filler that read the old cursor is refused, and changes nothing.
    expect(await store.claim(id, { cursor: 0, next: 3, queued: [a, b, c], round: 0, reusedLoaded: 0, reusedEmpty: 0, refused: 0, now: 1500 })).toBe(-1);
    s = (await store.summary(id))!;
    expect([s.waiting, s.counts.pending, s.counts.loaded, s.reused]).toEqual([1, 3, 1, 1]);
    expect((await store.window(id)).map((e) => [e.chunk.id, e.state, e.round]).sort()).toEqual([[a.id, 'pending', 0], [b.id, 'pending', 0]].sort());

    expect(await store.transition(id, a.id, 'fetching', { now: 2000 })).toBe('pending');
    expect(await store.transition(id, a.id, 'loading', { now: 2000 })).toBe('fetching');
    expect(await store.transition(id, a.id, 'loaded', { rows: 60, now: 2000 })).toBe('loading');
    // Ended: out of the window; a duplicate report changes nothing and counts no rows twice.
    expect(await store.transition(id, a.id, 'loaded', { rows: 60, now: 2000 })).toBeUndefined();
    expect(await store.inFlight(id, a.id)).toBeUndefined();
    expect(await store.transition(id, 'no-such-chunk', 'loaded', { now: 2000 })).toBeUndefined();
    await store.transition(id, b.id, 'empty', { now: 3000 });
    expect(await store.claim(id, { cursor: 3, next: 4, queued: [d], round: 0, reusedLoaded: 0, reusedEmpty: 0, refused: 0, now: 3500 })).toBe(1);
    await store.transition(id, d.id, 'failed', { now: 4000, failure: { code: 'ServiceUnavailable', message: 'try later', chunk: d } });
    s = (await store.summary(id))!;
    expect([s.state, s.done, s.ended, s.total, s.counts.failed, s.rows, s.finishedAt]).toEqual(['failed', 3, 4, 4, 1, 60, 4000]);
    expect(await store.failures(id)).toEqual([{ chunk: d, code: 'ServiceUnavailable', message: 'try later', at: 4000 }]);
    expect((await store.endedWell(id, list)).map((x) => x.id)).toEqual([a.id, b.id, c.id]);

    // --retry-failed: the failed chunk goes back in flight for round 1, and the backfill is running again.
    expect((await store.reopen(id, 1, 5000)).map((x) => x.id)).toEqual([d.id]);
    s = (await store.summary(id))!;
    expect([s.state, s.counts.failed, s.counts.pending, s.finishedAt]).toEqual(['running', 0, 1, undefined]);
    expect((await store.inFlight(id, d.id))!.round).toBe(1);
    await store.transition(id, d.id, 'loaded', { rows: 60, now: 6000 });
    s = (await store.summary(id))!;
    expect([s.state, s.done, s.total, s.rows, s.finishedAt]).toEqual(['done', 4, 4, 120, 6000]);
    expect((await store.list()).map((x) => x.id)).toEqual([id]);
    // The window is empty and nothing per chunk is left behind.
    expect(await redis.exists(store.keys.inflight(id), store.keys.failed(id))).toBe(0);
  });

  it("summary reads the head of the domain list it is asked for, whole names only, with the full count", async () => {
    const store = new BackfillStore(redis, prefix);
    // Names of very different lengths, so that the byte range read for 3 names ends inside a name.
    const long = `${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.example.com`;
    const domains = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `${i}-${long}`.slice(0, 253) : `d${i}.example.com`));
    const id = 'bf-20261129T1000Z-heads1';
    await store.create(id, { domains, from: T0, to: T0 + HOUR, refetch: false, unavailable: [] }, { kind: 'list', chunks: chunks('a.example.com', 1) }, 1000);
    for (const limit of [0, 1, 3, 20, 29, 30, 100]) {
      const s = (await store.summary(id, { domains: limit }))!;
      expect(s.domains, `limit ${limit}`).toEqual(domains.slice(0, limit));
      expect(s.domainCount).toBe(30);
    }
    expect((await store.summary(id))!.domains).toEqual(domains);
    expect(await store.domains('bf-20261129T1000Z-nosuch', 5)).toEqual([]);
    // A backfill of the layout before issue 13 keeps its domains in the meta, and no count: counted from the list.
    const legacy = 'bf-20261129T1000Z-heads2';
    await redis.hset(`${store.keys.meta(legacy)}`, { id: legacy, created_at: '1000', from: String(T0), to: String(T0 + HOUR), domains: domains.join(','), refetch: '0', unavailable: '[]', total: '1' });
    const old = (await store.summary(legacy, { domains: 20 }))!;
    expect([old.domains, old.domainCount]).toEqual([domains.slice(0, 20), 30]);
  });

  it('call gate: one probe per account and per domain, refusals at the right reach, a halt', async () => {
    const store = new BackfillStore(redis, prefix);
    const id = 'bf-20261129T1000Z-gatexx';
    await store.create(id, { domains: ['a.example.com', 'b.example.com'], from: T0, to: T0 + HOUR, refetch: false, unavailable: [] }, { kind: 'list', chunks: [] }, 1000);
    // The first chunk probes the account (and its domain); every other chunk waits for an answer.
    expect(await store.gate(id, 'enter', 'a.example.com', 'a1')).toBe('probe');
    expect(await store.gate(id, 'enter', 'a.example.com', 'a2')).toBe('wait');
    expect(await store.gate(id, 'enter', 'b.example.com', 'b1')).toBe('wait');
    expect(await store.gate(id, 'enter', 'a.example.com', 'a1')).toBe('probe');
    await store.gate(id, 'confirm', 'a.example.com', 'a1');
    expect(await store.gate(id, 'enter', 'a.example.com', 'a2')).toBe('go');
    // b's first chunk probes b; b's others wait; b refused: they end without a call.
    expect(await store.gate(id, 'enter', 'b.example.com', 'b1')).toBe('probe');
    expect(await store.gate(id, 'enter', 'b.example.com', 'b2')).toBe('wait');
    await store.gate(id, 'refuse', 'b.example.com', 'b1', { code: 'InvalidDomain.NotFound', message: 'no such domain', at: 7 });
    expect(await store.gate(id, 'enter', 'b.example.com', 'b2')).toBe('refused');
    expect(await store.refusedDomains(id)).toEqual([{ domain: 'b.example.com', code: 'InvalidDomain.NotFound', message: 'no such domain', at: 7 }]);
    expect([...(await store.refusedAmong(id, ['a.example.com', 'b.example.com']))]).toEqual(['b.example.com']);
    // A probe that ends without an answer lets another chunk of the domain probe.
    expect(await store.gate(id, 'enter', 'c.example.com', 'c1')).toBe('probe');
    await store.gate(id, 'release', 'c.example.com', 'c1');
    expect(await store.gate(id, 'enter', 'c.example.com', 'c2')).toBe('probe');
    // The account refused: nothing more calls.
    await store.gate(id, 'halt', 'a.example.com', 'a2', { code: 'SignatureDoesNotMatch', message: 'bad signature' });
    expect(await store.gate(id, 'enter', 'a.example.com', 'a3')).toBe('halted');
    expect((await store.summary(id))!.halt).toEqual({ code: 'SignatureDoesNotMatch', message: 'bad signature' });
    expect(await store.claim(id, { cursor: 0, next: 0, queued: [], round: 0, reusedLoaded: 0, reusedEmpty: 0, refused: 0, now: 8 })).toBe(-2);
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
