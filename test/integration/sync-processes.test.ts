/**
 * Several syncs on one installation (Redis prefix) at once, each with its own connections and workers as separate
 * processes would have: the shared job scheduler gives one pass per period, passes never overlap, and no chunk is
 * fetched twice; concurrent `--once` passes are serialised.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { sleep } from '../../src/core/sleep.js';
import { syncKeys } from '../../src/sync/sync-keys.js';
import type { SyncPassReport } from '../../src/sync/sync-pass.js';
import { applySince } from '../../src/sync/sync-service.js';
import { readRows, REDIS_URL, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';
import { HOUR, MIN, startTestSync, watermarksOf } from '../helpers/sync-fixture.js';

interface Timed {
  readonly report: SyncPassReport;
  readonly endedAt: number;
  readonly by: string;
}

async function passIds(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.zrange(syncKeys(prefix).passes, 0, -1);
  } finally {
    await redis.quit();
  }
}

function expectNoOverlap(passes: readonly Timed[]): void {
  const sorted = [...passes].sort((a, b) => a.report.plannedAt - b.report.plannedAt);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.report.plannedAt).toBeGreaterThanOrEqual(sorted[i - 1]!.endedAt);
}

describe('sync across processes', () => {
  const scope = useTestScope();

  it('two scheduled syncs at once give one pass per period, never overlapping, and no duplicate calls', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 40 });
    const h = { sim, prefix, selection: { kind: 'domains', domains } as const, now: Date.now };
    const passes: Timed[] = [];
    const everyMs = 2_000;
    const since = Math.floor((Date.now() - HOUR) / MIN) * MIN;
    const started = Date.now();
    const a = await startTestSync(h, { everyMs, since, onPass: (report) => passes.push({ report, endedAt: Date.now(), by: 'a' }) });
    const b = await startTestSync(h, { everyMs, since, onPass: (report) => passes.push({ report, endedAt: Date.now(), by: 'b' }) });
    // Until the schedule has run three passes (progress, not a fixed sleep: a busy machine runs them later), with a
    // generous guard against a schedule that never fires.
    for (let waited = 0; passes.length < 3 && waited < 120_000; waited += 100) await sleep(100);
    const closing = Date.now();
    await Promise.all([a.close(), b.close()]);
    const elapsed = Date.now() - started;

    // One pass per period at most (a duplicated schedule would give about twice as many), and the schedule ran.
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes.length).toBeLessThanOrEqual(Math.floor(elapsed / everyMs) + 1);
    expect((await passIds(prefix)).sort()).toEqual(passes.map((p) => p.report.id).sort());
    expectNoOverlap(passes);
    // Every pass ran to its end, except one that the close itself interrupted (a pass may begin while the loop
    // above sees the third one end; a busy machine makes that likely).
    const interrupted = passes.filter((p) => p.report.state !== 'done');
    expect(interrupted.length).toBeLessThanOrEqual(1);
    for (const p of interrupted) expect([p.report.state, p.endedAt >= closing]).toEqual(['interrupted', true]);
    // Every call served one chunk of one pass: the two processes never fetched the same chunk twice. (A chunk an
    // interrupted pass never took, still pending, had no call.)
    const chunks = passes.reduce((n, p) => n + p.report.summary.total - p.report.summary.counts.pending, 0);
    const calls = passes.reduce((n, p) => n + p.report.summary.calls, 0);
    const throttles = passes.reduce((n, p) => n + p.report.summary.throttles, 0);
    // A throttled call (arrival jitter on a busy machine can bunch two processes' calls) is requeued and made
    // again: one more call, never a second fetch of a chunk that was answered.
    expect(calls - throttles).toBe(chunks);
    expect(sim.stats().calls).toBe(calls);
    expect(sim.stats().throttled).toBe(throttles);
    // Nothing was loaded twice either: one row per domain and minute.
    const rows = await readRows(domains);
    expect(new Set(rows.map((r) => `${r.domain}|${r.ts}`)).size).toBe(rows.length);
    const newestEnd = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;
    expect(rows.length).toBeGreaterThanOrEqual(2 * ((newestEnd - MIN - since) / MIN));
  }, 180_000);

  it('concurrent --once passes are serialised, and the later one continues from the earlier one\'s watermark', async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 40, latencyMs: 100 });
    const h = { sim, prefix, selection: { kind: 'domains', domains } as const, now: Date.now };
    const since = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
    const redis = new Redis(REDIS_URL);
    try {
      await applySince(redis, prefix, domains, since, Date.now());
    } finally {
      await redis.quit();
    }
    const runs = await Promise.all(
      ['a', 'b', 'c'].map(async (by) => {
        const sync = await startTestSync(h, { once: true });
        try {
          const report = await sync.oncePass!;
          return { report, endedAt: Date.now(), by };
        } finally {
          await sync.close();
        }
      }),
    );
    expectNoOverlap(runs);
    for (const r of runs) expect(r.report.state).toBe('done');
    const sorted = [...runs].sort((x, y) => x.report.plannedAt - y.report.plannedAt);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.report.watermarks[0]!.before).toBe(sorted[i - 1]!.report.watermarks[0]!.after);
    const wm = (await watermarksOf(prefix, domains)).get(domains[0]!)!;
    expect(wm.watermark).toBe(sorted[sorted.length - 1]!.report.watermarks[0]!.after);
    expect(wm.floor).toBe(since);
    expect(sorted[0]!.report.watermarks[0]!.before).toBe(since);
    // The first pass fetches whole hours from `since` up to the newest published minute: one chunk per hour.
    const newestEnd = Math.floor((sorted[0]!.report.plannedAt - 5 * MIN) / MIN) * MIN;
    expect(sorted[0]!.report.summary.total).toBe(Math.ceil((newestEnd - since) / HOUR));
  }, 60_000);
});
