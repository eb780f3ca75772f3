/**
 * Issue 13 against the real Redis, QuestDB and the simulator over HTTP: a backfill is a cursor with a bounded
 * window, topped up by whoever frees capacity; Redis holds the window, not the plan; permanent errors end work at
 * the domain's or the account's reach; an installation in the old Redis layout is upgraded in place.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { DEFAULT_TIERS } from '../../src/aliyun/tiers.js';
import type { Chunk } from '../../src/core/model.js';
import { startBackfill, waitForBackfill } from '../../src/pipeline/backfill-runner.js';
import { chunkSourceOf } from '../../src/pipeline/chunk-source.js';
import { upgradeLegacyLayout } from '../../src/pipeline/legacy-layout.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { fetchJobId, FETCH_JOB_NAME } from '../../src/pipeline/pipeline-jobs.js';
import { pipelineKeys } from '../../src/pipeline/pipeline-keys.js';
import { startPipelineWorkers } from '../../src/pipeline/pipeline-workers.js';
import { DEFAULT_MARGIN_MS, planBackfill } from '../../src/plan/plan-backfill.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { ChunkLedger } from '../../src/store/chunk-ledger.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import {
  backfillIdOf,
  cliEnv,
  DAY,
  exitOf,
  hoursRange,
  spawnCli,
  until,
  expectedRows,
  HOUR,
  ledgerFinal,
  QUESTDB_HTTP,
  readRows,
  REDIS_URL,
  runCli,
  uniqueDomains,
  useTestScope,
  withPipelineClient,
} from '../helpers/pipeline-fixture.js';

/** Bytes Redis uses for every key under `prefix` (MEMORY USAGE): this installation's share, whoever else shares Redis. */
async function prefixBytes(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    cursor = next;
    for (const k of batch) {
      keys += 1;
      bytes += Number((await redis.memory('USAGE', k)) ?? 0);
    }
  } while (cursor !== '0');
  return { keys, bytes };
}

describe('backfill as a cursor with a bounded window (issue 13)', () => {
  const scope = useTestScope({ needsBuild: true });

  it('the window is topped up again when its filler dies between claiming chunks and queueing them', async () => {
    const domains = uniqueDomains(3);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 50 });
    const ledger = new ChunkLedger({ questdbHttp: QUESTDB_HTTP });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix, ledger, windowSize: 4 });
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
    try {
      const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
      const { id, chunks } = await startBackfill(client, { domains, from: to - 4 * HOUR, to, now: Date.now(), refetch: false });
      expect(chunks).toBe(12);
      // The submit queued the first window (4). A filler then claims the next 4 positions and dies before it
      // queues their jobs: they sit in the window with no job.
      const meta = (await client.store.meta(id))!;
      const lost = await (await chunkSourceOf(client.store, id, meta, DEFAULT_TIERS, DEFAULT_MARGIN_MS)).slice(4, 4);
      expect(await client.store.claim(id, { cursor: 4, next: 8, queued: lost, round: 0, reusedLoaded: 0, reusedEmpty: 0, refused: 0, now: Date.now() })).toBe(4);
      expect((await client.store.window(id)).length).toBe(8);
      // Workers started afterwards (no feeder anywhere) finish everything: the lost claims are queued again.
      const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 50, api, sink: loader, ledger, windowSize: 4, keepEveryMs: 200, staleMs: 1_000 });
      try {
        const summary = await waitForBackfill(client, id, { pollMs: 100 });
        expect([summary.state, summary.done, summary.total, summary.counts.failed]).toEqual(['done', 12, 12, 0]);
        // Every chunk fetched once: the lost ones were queued again, not twice.
        expect(sim.stats().calls - sim.stats().throttled).toBe(12);
      } finally {
        await workers.close();
      }
      const done = await client.doneChunks(id);
      expect(done.length).toBe(12);
      expect(await readRows(domains)).toEqual(expectedRows(done));
      // Nothing per chunk is left in Redis: the window is empty.
      expect(await client.store.window(id)).toEqual([]);
    } finally {
      await client.close();
      await ledger.close();
      await loader.close();
      await api.close();
    }
  }, 120_000);

  it('an unknown domain over 30 days costs one call: its other chunks end refused, named once', async () => {
    const [known, unknown] = uniqueDomains(2) as [string, string];
    const prefix = scope.prefix();
    const sim = await scope.simulator([known], { qps: 50 });
    const to = new Date(Math.floor((Date.now() - DAY) / HOUR) * HOUR).toISOString();
    const from = new Date(Date.parse(to) - 30 * DAY).toISOString();
    const run = await runCli(['backfill', '--domains', unknown, '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(run.code).toBe(1);
    const planned = planBackfill({ domains: [unknown], from: Date.parse(from), to: Date.parse(to), now: Date.now() }).chunks.length;
    expect(planned).toBeGreaterThan(100);
    expect(sim.stats().callsByDomain[unknown]).toBe(1);
    expect(run.stdout).toContain('domains refused by the API (1)');
    expect(run.stdout).not.toContain('failed chunks');
    const summary = (await withPipelineClient(prefix, (c) => c.store.summary(backfillIdOf(run))))!;
    expect([summary.counts.refused, summary.counts.failed, summary.calls, summary.total]).toEqual([planned, 0, 1, planned]);
    // status names the domain once, not one line per chunk.
    const status = await runCli(['status', backfillIdOf(run)], cliEnv(sim, prefix));
    expect(status.stdout.split('\n').filter((l) => l.includes('InvalidDomain.NotFound'))).toEqual([expect.stringContaining(`  ${unknown}  InvalidDomain.NotFound  `)]);
    expect(status.stdout).not.toContain('failed chunks');
  }, 120_000);

  it('Redis holds the window, not the plan: 2,000 domains x 30 days queued take a bounded number of keys and bytes', async () => {
    const domains = Array.from({ length: 2_000 }, (_, i) => `d${i}.${uniqueDomains(1)[0]!}`);
    const prefix = scope.prefix();
    const sim = await scope.simulator(['unused.example.com']);
    const redis = new Redis(REDIS_URL);
    try {
      const to = new Date(Math.floor((Date.now() - DAY) / HOUR) * HOUR).toISOString();
      const from = new Date(Date.parse(to) - 30 * DAY).toISOString();
      const run = await runCli(['backfill', '--detach', '--domains', domains.join(','), '--from', from, '--to', to], cliEnv(sim, prefix));
      expect(run.code).toBe(0);
      const id = run.stdout.trim();
      const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
      try {
        const s = (await client.store.summary(id))!;
        // About 300,000 chunks, of which one window is queued.
        expect(s.total).toBeGreaterThan(250_000);
        expect(s.waiting).toBe(s.total - 512);
        expect(await client.fetchQueue.count()).toBe(512);
      } finally {
        await client.close();
      }
      const used = await prefixBytes(redis, prefix);
      // The old layout took about 1.7 KB per chunk here (about 500 MB); the window and the domain list take a few MB.
      // Generous bound: the precise figure is in `npm run bench:scale`.
      expect(used.bytes).toBeLessThan(16 * 1024 * 1024);
      expect(used.keys).toBeLessThan(600);
      expect(sim.stats().calls).toBe(0);
    } finally {
      await redis.quit();
    }
  }, 180_000);

  it('an interrupted backfill shows as interrupted, and the same command again resumes it (same id, no call twice)', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 50 });
    const { from, to } = hoursRange(12, 2 * DAY);
    const argv = ['backfill', '--domains', domains.join(','), '--from', from, '--to', to];
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '4' });
    const first = spawnCli(argv, env);
    const id = await until(async () => /\b(bf-\S+): \d+ chunks/.exec(first.output())?.[1], 60_000);
    await until(async () => ((await withPipelineClient(prefix, (c) => c.store.summary(id)))!.done >= 3 ? true : undefined), 60_000);
    first.kill('SIGINT');
    expect(await exitOf(first)).toBe(130);
    expect(first.output()).toContain(`cdn-etl backfill --resume ${id}`);
    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(new RegExp(`${id}.*interrupted`));
    expect(status.stdout).toContain('cdn-etl backfill --resume ID');

    const again = await runCli(argv, env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`backfill ${id}: resuming`);
    expect(again.stdout).toContain('24/24 chunks done');
    expect(sim.stats().calls - sim.stats().throttled).toBe(24);
    const done = await withPipelineClient(prefix, (c) => c.doneChunks(id));
    expect(await readRows(domains)).toEqual(expectedRows(done));
    // Finished: the same command now starts a new backfill (which reuses everything from the ledger).
    const third = await runCli(argv, env);
    expect(third.code).toBe(0);
    expect(third.stderr).not.toContain('resuming');
    expect(sim.stats().calls - sim.stats().throttled).toBe(24);
  }, 120_000);

  it('an installation in the old Redis layout is upgraded in place: remembered chunks go to the ledger, backfills keep their counts and finish', async () => {
    const [domain] = uniqueDomains(1) as [string];
    const prefix = scope.prefix();
    const sim = await scope.simulator([domain], { qps: 50 });
    const redis = new Redis(REDIS_URL);
    const keys = pipelineKeys(prefix);
    const to = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
    const [a, b, c, d] = planBackfill({ domains: [domain], from: to - 4 * HOUR, to, now: Date.now() }).chunks as [Chunk, Chunk, Chunk, Chunk];
    const id = 'bf-20261129T1000Z-legacy';
    const meta = keys.meta(id);
    // As the layout before issue 13 wrote them: every chunk and its state, a remembered chunk, a queued job.
    await redis.hset(keys.remembered, a.id, JSON.stringify({ domain, intervalS: 60, start: a.start, end: a.end, rows: 60, fetchedAt: to, provisional: false }));
    await redis.hset(keys.remembered, 'other_60s_x', JSON.stringify({ domain, intervalS: 60, start: to - 9 * HOUR, end: to - 8 * HOUR, rows: 60, fetchedAt: to, provisional: true }));
    await redis.hset(meta, { id, created_at: '1000', from: String(to - 4 * HOUR), to: String(to), domains: domain, refetch: '0', unavailable: '[]', total: '4', calls: '3', throttles: '0', retries: '0', reused: '0', rows: '60', n_pending: '1', n_fetching: '0', n_loading: '0', n_loaded: '1', n_empty: '1', n_failed: '1', n_replanned: '0' });
    await redis.hset(`${meta}:chunks`, a.id, JSON.stringify(a), b.id, JSON.stringify(b), c.id, JSON.stringify(c), d.id, JSON.stringify(d));
    await redis.hset(`${meta}:states`, a.id, 'loaded', b.id, 'empty', c.id, 'failed', d.id, 'pending');
    await redis.hset(`${meta}:errors`, c.id, JSON.stringify({ code: 'InternalError', message: 'try later', at: 2000 }));
    await redis.zadd(keys.backfills, 1000, id);
    const ledger = new ChunkLedger({ questdbHttp: QUESTDB_HTTP });
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix, ledger });
    await client.fetchQueue.add(FETCH_JOB_NAME, { backfillId: id, chunk: d, refetch: false, round: 0 }, { jobId: fetchJobId(id, d.id, 0) });
    const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS });
    const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
    try {
      // Before the upgrade, status reads the old record as it was.
      expect((await client.store.summary(id))!.domains).toEqual([domain]);
      // The first worker to start upgrades; its queued job is fetched as before.
      const workers = await startPipelineWorkers({ redisUrl: REDIS_URL, prefix, qps: 50, api, sink: loader, ledger });
      try {
        const s = await waitForBackfill(client, id, { pollMs: 100 });
        expect([s.state, s.done, s.counts.failed, s.total, s.calls]).toEqual(['failed', 3, 1, 4, 4]);
      } finally {
        await workers.close();
      }
      expect(await redis.get(keys.layout)).toBe('2');
      expect(await redis.exists(keys.remembered, `${meta}:chunks`, `${meta}:states`, `${meta}:errors`)).toBe(0);
      expect((await client.store.failures(id)).map((f) => [f.chunk.id, f.code])).toEqual([[c.id, 'InternalError']]);
      // The remembered final chunk is in the ledger (a rerun reuses it); the provisional one is not final there.
      expect([...(await ledgerFinal([a, d])).keys()].sort()).toEqual([a.id, d.id].sort());
      expect(sim.stats().calls).toBe(1);
      // Upgraded once: a second start changes nothing.
      expect(await upgradeLegacyLayout(redis, prefix, ledger, Date.now())).toBeUndefined();
      // --retry-failed finishes the old backfill with one call.
      const retry = await runCli(['backfill', '--retry-failed', id], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
      expect(retry.code).toBe(0);
      expect(sim.stats().calls).toBe(2);
    } finally {
      await client.close();
      await ledger.close();
      await loader.close();
      await api.close();
      await redis.quit();
    }
  }, 120_000);
});
