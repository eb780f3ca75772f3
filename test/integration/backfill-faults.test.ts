/**
 * The `backfill` command under faults and failures: throttling storms, 5xx, resets and truncated bodies still
 * give the exact rows (throttles use no attempt); bad input exits 2 and calls nothing; an unknown domain fails
 * alone with its API code; a wrong secret fails fast without retries; --retry-failed runs only failed chunks.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FETCH_ATTEMPTS } from '../../src/pipeline/pipeline-jobs.js';
import { jsonLines } from '../helpers/reliability-fixture.js';
import { backfillIdOf, cliEnv, DAY, endedChunks, expectedRows, HOUR, hoursRange, readRows, REDIS_URL, runCli, spawnCli, uniqueDomains, useTestScope, withPipelineClient } from '../helpers/pipeline-fixture.js';

async function keysUnder(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys(`${prefix}:*`)).length;
  } finally {
    await redis.quit();
  }
}

describe('backfill: faults and failures', () => {
  const scope = useTestScope();

  it('gives the exact rows through throttling storms, 5xx, resets and truncated bodies; throttles use no attempt', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, {
      qps: 50,
      seed: 7,
      throttle: { retryAfterMs: 20 },
      faults: { throttleRate: 0.5, serverErrorRate: 0.08, resetRate: 0.05, truncateRate: 0.05, serviceBusyRate: 0.03 },
    });
    const { from, to } = hoursRange(12, 3 * DAY);
    const run = await runCli(['backfill', '--domains', domains.join(','), '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(run.stdout).not.toMatch(/failed chunks/);
    expect(run.code).toBe(0);
    const id = backfillIdOf(run);
    const { chunks, summary } = await withPipelineClient(prefix, async (c) => ({ chunks: await c.doneChunks(id), summary: (await c.store.summary(id))! }));
    expect(chunks.length).toBe(24);
    expect(await readRows(domains)).toEqual(expectedRows(chunks));

    const stats = sim.stats();
    const injected = stats.faultsInjected;
    const transient = (injected['internal-error'] ?? 0) + (injected['service-unavailable'] ?? 0) + (injected.reset ?? 0) + (injected.truncate ?? 0) + (injected['service-busy'] ?? 0);
    expect(injected.throttle ?? 0).toBeGreaterThan(10);
    expect(transient).toBeGreaterThan(3);
    // Every call is accounted for: one success per chunk, one retry per transient fault, one throttle per storm hit.
    expect(summary.throttles).toBe(stats.throttled);
    expect(summary.retries).toBe(transient);
    expect(summary.calls).toBe(stats.calls);
    expect(stats.calls).toBe(chunks.length + transient + stats.throttled);
    expect(summary.counts.failed).toBe(0);
    // Half of all calls throttled looks like a tiny quota to the adaptive pacer (issue 17): it slows to about a call
    // a second and probes back up, so this run took ~100 s on a busy machine.
  }, 300_000);

  it('a chunk throttled more times than it has attempts still completes: a throttle uses no attempt', async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    // The first FETCH_ATTEMPTS + 4 calls are all throttled (a window of calls, the same on every run).
    const throttles = FETCH_ATTEMPTS + 4;
    const sim = await scope.simulator(domains, { qps: 50, throttle: { retryAfterMs: 20 }, faults: { throttleRate: 1, maxFaults: throttles } });
    const { from, to } = hoursRange(1, 3 * DAY);
    const run = await runCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(run.code).toBe(0);
    const summary = await withPipelineClient(prefix, async (c) => (await c.store.summary(backfillIdOf(run)))!);
    expect({ done: summary.done, failed: summary.counts.failed, throttles: summary.throttles, retries: summary.retries, calls: summary.calls }).toEqual({
      done: 1,
      failed: 0,
      throttles,
      retries: 0,
      calls: throttles + 1,
    });
    expect(sim.stats().calls).toBe(throttles + 1);
  }, 60_000);

  it("counts on each chunk's line the calls made for it, not the starts that waited at the call gate", async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    // The first call (the probe: the other chunks wait at the call gate meanwhile) is throttled 3 times, each
    // answer asking for 600 ms of patience: the waiting chunks start and wait again several times, calling nothing.
    const sim = await scope.simulator(domains, { qps: 50, throttle: { retryAfterMs: 600 }, faults: { throttleRate: 1, maxFaults: 3 } });
    const { from, to } = hoursRange(3, 3 * DAY);
    // A process of its own: its JSON log lines are what is checked.
    const child = spawnCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50', LOG_LEVEL: 'info' }));
    expect(await child.closed).toBe(0);
    const lines = jsonLines(child.output()).filter((l) => l.msg === 'chunk ended');
    expect(lines.map((l) => l.outcome)).toEqual(['loaded', 'loaded', 'loaded']);
    // The probe made 4 calls (3 throttled, then answered); the two others one each: 6, as the simulator saw.
    expect(lines.map((l) => Number(l.calls)).sort((a, b) => a - b)).toEqual([1, 1, 4]);
    expect(sim.stats().calls).toBe(6);
  }, 60_000);

  it.each([
    ['a malformed --from', ['--domains', 'a.example.com', '--from', '2026-13-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z'], '--from'],
    ['--to before --from', ['--domains', 'a.example.com', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-01T00:00:00Z'], '--to'],
    ['a missing --to', ['--domains', 'a.example.com', '--from', '2026-11-02T00:00:00Z'], '--to'],
    ['one bad domain in the list', ['--domains', 'a.example.com,bad_domain!.com', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z'], 'bad_domain!.com'],
    ['a bad --concurrency', ['--domains', 'a.example.com', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z', '--concurrency', '0'], '--concurrency'],
    ['a bad --qps', ['--domains', 'a.example.com', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z', '--qps', 'ten'], '--qps'],
  ])('refuses %s with exit 2 naming it, enqueues nothing and calls nothing', async (_name, args, named) => {
    const sim = await scope.simulator(['a.example.com']);
    const prefix = scope.prefix();
    const run = await runCli(['backfill', ...args], cliEnv(sim, prefix));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(named);
    expect(sim.stats().calls).toBe(0);
    expect(await keysUnder(prefix)).toBe(0);
  });

  it('fails an unknown domain with InvalidDomain.NotFound while the other domains complete (exit 1)', async () => {
    const [known, unknown] = uniqueDomains(2) as [string, string];
    const prefix = scope.prefix();
    const sim = await scope.simulator([known], { qps: 50 });
    const { from, to } = hoursRange(3, 2 * HOUR);
    const run = await runCli(['backfill', '--domains', `${known},${unknown}`, '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(run.code).toBe(1);
    // Refused once, at the domain's reach: named once with its code, its other chunks ended without a call.
    expect(run.stdout).not.toContain('failed chunks');
    expect(run.stdout).toMatch(new RegExp(`domains refused by the API \\(1\\).*\n  ${unknown.replace(/\./g, '\\.')}  InvalidDomain\\.NotFound  `));
    const id = backfillIdOf(run);
    const summary = await withPipelineClient(prefix, async (c) => (await c.store.summary(id))!);
    expect([summary.counts.refused, summary.counts.failed, summary.done]).toEqual([3, 0, 3]);
    const chunks = await endedChunks(prefix, id);
    expect(chunks.map((c) => c.domain)).toEqual([known, known, known]);
    expect(await readRows([known, unknown])).toEqual(expectedRows(chunks));
    // One call for the unknown domain, whatever the number of its chunks.
    expect(sim.stats().callsByDomain[unknown]).toBe(1);
  }, 60_000);

  it('stops after one call on a wrong secret (SignatureDoesNotMatch, what to fix); --retry-failed with the right one completes', async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 50 });
    const { from, to } = hoursRange(4, 2 * HOUR);
    const wrong = await runCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], cliEnv(sim, prefix, { CDN_API_QPS: '50', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' }));
    expect(wrong.code).toBe(1);
    // The account's refusal reaches every chunk: the run halts after that one answer and says what to fix.
    expect(wrong.stdout).toContain('halted: the API refused the account (SignatureDoesNotMatch)');
    expect(wrong.stdout).toContain('fix: check ALIBABA_CLOUD_ACCESS_KEY_SECRET');
    expect(wrong.stdout).not.toContain('not-the-secret');
    expect(wrong.stderr).not.toContain('not-the-secret');
    expect(sim.stats().calls).toBe(1);
    const id = backfillIdOf(wrong);

    const retry = await runCli(['backfill', '--retry-failed', id], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('4/4 chunks done');
    expect(sim.stats().calls).toBe(5);
    const chunks = await withPipelineClient(prefix, (c) => c.doneChunks(id));
    expect(chunks.length).toBe(4);
    expect(await readRows(domains)).toEqual(expectedRows(chunks));
    // Nothing failed is left to retry.
    const again = await runCli(['backfill', '--retry-failed', id], cliEnv(sim, prefix));
    expect(again.code).toBe(0);
    expect(sim.stats().calls).toBe(5);
  }, 60_000);

  it('re-plans a chunk refused with InvalidStartTime.ValueNotSupported at the next coarser tier and loads it exactly', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    // The API's clock runs 2 h ahead of ours: the 1-minute chunk planned just inside our horizon (1 h margin)
    // is already beyond the API's.
    const sim = await scope.simulator(domains, { qps: 50, now: () => Date.now() + 2 * HOUR });
    const from = Math.ceil((Date.now() - 7 * DAY + HOUR) / HOUR) * HOUR;
    const to = from + 4 * HOUR;
    const run = await runCli(['backfill', '--domains', domains.join(','), '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()], cliEnv(sim, prefix, { CDN_API_QPS: '50' }));
    expect(run.code).toBe(0);
    const id = backfillIdOf(run);
    const { chunks, summary } = await withPipelineClient(prefix, async (c) => ({ chunks: await c.doneChunks(id), summary: (await c.store.summary(id))! }));
    expect(summary.counts.replanned).toBe(2);
    expect(sim.stats().errorsByCode['InvalidStartTime.ValueNotSupported']).toBe(2);
    const coarse = chunks.filter((c) => c.intervalS === 300);
    expect(coarse.map((c) => [c.start, c.end])).toEqual([[from, from + HOUR], [from, from + HOUR]]);
    expect(chunks.filter((c) => c.intervalS === 60).length).toBe(6);
    expect(await readRows(domains)).toEqual(expectedRows(chunks));
  }, 60_000);
});
