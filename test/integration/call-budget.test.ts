/**
 * The call budget (issue 17, `--max-qps`) against the real Redis and the simulator: call-budget.lua makes the
 * decision budgetSlot() makes, keeps its record bounded; a capped backfill never holds more than its cap of calls
 * in any second of its record while an uncapped one beside it takes the rest; `status` shows who spends the quota;
 * and a sync pass is never made to wait behind a large queued backfill.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { sleep } from '../../src/core/sleep.js';
import { startBackfill, waitForBackfill } from '../../src/pipeline/backfill-runner.js';
import { BackfillStore } from '../../src/pipeline/backfill-store.js';
import { budgetSlot, busiestSecond, CALL_RECORD_MAX, CALL_RECORD_MS } from '../../src/pipeline/call-budget.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { pipelineKeys } from '../../src/pipeline/pipeline-keys.js';
import { startPipelineWorkers } from '../../src/pipeline/pipeline-workers.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { ChunkLedger } from '../../src/store/chunk-ledger.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import { backfillIdOf, cliEnv, DAY, HOUR, QUESTDB_HTTP, readRows, REDIS_URL, runCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Every call (not reservation) of a backfill's record seen while polling it, by member: times in ms. */
function recordWatcher(redis: Redis, key: string): { stop(): Promise<number[]> } {
  const seen = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) if (!flat[i]!.startsWith('r:')) seen.set(flat[i]!, Number(flat[i + 1]));
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) if (!flat[i]!.startsWith('r:')) seen.set(flat[i]!, Number(flat[i + 1]));
      return [...seen.values()];
    },
  };
}

describe('call budget (--max-qps)', () => {
  const scope = useTestScope({ needsBuild: true });

  it('call-budget.lua decides as budgetSlot does, holds reservations for their jobs, and stays bounded', async () => {
    const prefix = scope.prefix();
    const redis = new Redis(REDIS_URL);
    const store = new BackfillStore(redis, prefix);
    const keys = pipelineKeys(prefix);
    try {
      await redis.hset(keys.meta('capped'), { id: 'capped', max_qps: '3' });
      // Five chunks ask at once: three go, two get reservations a second later (in order, after the third's second).
      const t0 = 1_000_000;
      const waits = [];
      for (let i = 0; i < 5; i++) waits.push(await store.spend('capped', `job${i}`, `call${i}`, t0));
      expect(waits).toEqual([0, 0, 0, 1_000, 1_000]);
      // A reserved job asking early waits for the rest of its time; at its time it goes on its reservation.
      expect(await store.spend('capped', 'job3', 'call3b', t0 + 400)).toBe(600);
      expect(await store.spend('capped', 'job3', 'call3c', t0 + 1_000)).toBe(0);
      expect(await redis.zscore(keys.calls('capped'), 'r:job3')).toBeNull();
      expect(await redis.zscore(keys.calls('capped'), 'call3c')).toBe(String(t0 + 1_000));
      // A job back more than a second after its reservation asks again: a new decision, not the old slot.
      expect(await store.spend('capped', 'job4', 'call4b', t0 + 2_500)).toBe(0);

      // The Lua mirrors the pure decision over a random arrival sequence on a virtual clock.
      await redis.hset(keys.meta('mirror'), { id: 'mirror', max_qps: '4' });
      const model: number[] = [];
      let now = 5_000_000;
      let seed = 3;
      for (let i = 0; i < 300; i++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        now += seed % 200;
        const slot = budgetSlot(model.filter((t) => t > now - 1000).sort((a, b) => a - b), 4, now);
        model.push(slot);
        expect(await store.spend('mirror', `m${i}`, `c${i}`, now)).toBe(slot - now);
      }
      const record = await redis.zrange(keys.calls('mirror'), 0, -1, 'WITHSCORES');
      expect(busiestSecond(record.filter((_v, i) => i % 2 === 1).map(Number))).toBe(4);

      // Uncapped: every call recorded at once; the record keeps at most CALL_RECORD_MAX and expires when idle.
      await redis.hset(keys.meta('free'), { id: 'free' });
      for (let i = 0; i < CALL_RECORD_MAX + 100; i += 500) {
        const batch = redis.pipeline();
        for (let j = i; j < Math.min(i + 500, CALL_RECORD_MAX + 100); j++) batch.zadd(keys.calls('free'), t0, `pre${j}`);
        await batch.exec();
      }
      expect(await store.spend('free', 'f', 'f1', t0)).toBe(0);
      expect(await redis.zcard(keys.calls('free'))).toBe(CALL_RECORD_MAX);
      const ttl = await redis.pttl(keys.calls('free'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(CALL_RECORD_MS);
      // Calls older than the history leave the record.
      expect(await store.spend('free', 'g', 'g1', t0 + CALL_RECORD_MS + 1)).toBe(0);
      expect(await redis.zrange(keys.calls('free'), 0, -1)).toEqual(['g1']);
    } finally {
      await redis.quit();
    }
  });

  it('a backfill capped at 2 calls/s never holds more than 2 calls in any second of its record; an uncapped one beside it takes the rest', async () => {
    const capped = uniqueDomains(2);
    const free = uniqueDomains(4);
    const prefix = scope.prefix();
    const sim = await scope.simulator([...capped, ...free], { qps: 10 });
    const ledger = new ChunkLedger({ questdbHttp: QUESTDB_HTTP });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix, ledger });
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
    const watcherRedis = new Redis(REDIS_URL);
    try {
      const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
      const now = Date.now();
      const a = await startBackfill(client, { domains: capped, from: to - 6 * HOUR, to, now, refetch: false, maxQps: 2 });
      const b = await startBackfill(client, { domains: free, from: to - 6 * HOUR, to, now, refetch: false });
      expect([a.chunks, b.chunks]).toEqual([12, 24]);
      const watchA = recordWatcher(watcherRedis, client.store.keys.calls(a.id));
      const watchB = recordWatcher(watcherRedis, client.store.keys.calls(b.id));
      const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 10, api, sink: loader, ledger });
      try {
        // status while both run: the capped one shows its cap.
        const listed = await client.store.list(10);
        expect(listed.find((s) => s.id === a.id)!.maxQps).toBe(2);
        expect(listed.find((s) => s.id === b.id)!.maxQps).toBeUndefined();
        const [sa, sb] = await Promise.all([waitForBackfill(client, a.id, { pollMs: 100 }), waitForBackfill(client, b.id, { pollMs: 100 })]);
        expect([sa.state, sa.done, sb.state, sb.done]).toEqual(['done', 12, 'done', 24]);
        const callsA = await watchA.stop();
        const callsB = await watchB.stop();
        // Every call is in the record (throttled ones, asked again, too).
        expect(callsA.length).toBe(sa.calls);
        expect(callsB.length).toBe(sb.calls);
        expect(busiestSecond(callsA)).toBe(2);
        // The uncapped backfill was not held to the other's cap.
        expect(busiestSecond(callsB)).toBeGreaterThan(2);
        expect(sim.stats().calls).toBe(sa.calls + sb.calls);
        // Twelve calls at two per second: the capped one's record spans at least five seconds.
        expect(Math.max(...callsA) - Math.min(...callsA)).toBeGreaterThanOrEqual(5_000);
      } finally {
        await workers.close();
      }
    } finally {
      await watcherRedis.quit();
      await loader.close();
      await api.close();
      await client.close();
      await ledger.close();
    }
  }, 120_000);

  it('backfill and sync refuse a bad --max-qps with exit 2 before connecting anywhere', async () => {
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret', REDIS_URL: 'redis://127.0.0.1:1' };
    for (const bad of ['0', '-1', '2.5', 'x', '1001']) {
      const b = await runCli(['backfill', '--domains', 'a.com', '--from', '2026-01-01', '--to', '2026-01-02', `--max-qps=${bad}`, '--detach'], env);
      expect(b.stderr).toMatch(/--max-qps must be a whole number from 1 to 1000/);
      expect(b.code).toBe(2);
      const s = await runCli(['sync', '--once', '--domains', 'a.com', `--max-qps=${bad}`], env);
      expect(s.stderr).toMatch(/--max-qps must be a whole number from 1 to 1000/);
      expect(s.code).toBe(2);
    }
  });

  it('a sync pass is not made to wait behind a queued 300-domain x 30-day backfill: it completes exactly while the backfill stays queued', async () => {
    const domains = uniqueDomains(301);
    const [syncDomain, ...bulk] = domains as [string, ...string[]];
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 10 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '10' });
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const queued = await runCli(['backfill', '--domains', bulk.join(','), '--from', iso(to - 30 * DAY), '--to', iso(to), '--detach', '--max-qps', '8'], env);
    expect(queued.code).toBe(0);
    const id = backfillIdOf(queued);
    const since = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
    const pass = await runCli(['sync', '--once', '--domains', syncDomain, '--since', iso(since), '--http-port', '0'], env);
    expect(pass.code).toBe(0);
    const m = /(\d+)\/(\d+) chunks done, 0 failed, (\d+) rows loaded, (\d+) API calls, (\d+) throttled/.exec(pass.stdout);
    expect(m).not.toBeNull();
    const [, done, total, rows, calls] = m!.map(Number) as [number, number, number, number, number];
    expect(done).toBe(total);
    // Exactly: every call of the pass reached the simulator for its domain, every row it loaded is in QuestDB,
    // one per minute without a hole from --since.
    expect(sim.stats().callsByDomain[syncDomain]).toBe(calls);
    const stored = (await readRows([syncDomain])).filter((r) => r.intervalS === 60);
    expect(stored.length).toBe(rows);
    expect(stored[0]!.ts).toBe(since);
    expect(stored[stored.length - 1]!.ts - since).toBe((rows - 1) * 60_000);
    // The backfill stays queued: it made far fewer calls than it has chunks (its workers were the pass's).
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    try {
      const s = (await client.store.summary(id))!;
      expect(s.state).toBe('running');
      expect(s.maxQps).toBe(8);
      expect(s.total).toBeGreaterThan(9_000);
      expect(s.calls).toBeLessThan(s.total / 20);
      const bulkCalls = Object.entries(sim.stats().callsByDomain).filter(([d]) => d !== syncDomain).reduce((n, [, c]) => n + c, 0);
      expect(bulkCalls).toBe(s.calls);
      // status names who spent the quota: the backfill with its class, priority and cap.
      const status = await runCli(['status'], env);
      expect(status.stdout).toMatch(new RegExp(`\\n  ${id}\\s+backfill\\s+2-3\\s+8\\s+\\d+\\.\\d\\n`));
    } finally {
      await client.close();
    }
  }, 180_000);
});
