/**
 * End to end through the `backfill` command (in-process workers): real Redis, real QuestDB, the simulator.
 * Every slot of a multi-domain, multi-tier range arrives exactly once with the simulator's exact value, with
 * and without faults; a second run changes nothing and makes no call for finished chunks.
 */
import { describe, expect, it } from 'vitest';
import type { Chunk } from '../../src/core/model.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { backfillIdOf, cliEnv, DAY, endedChunks, expectedRows, HOUR, ledgerFinal, readRows, REDIS_URL, runCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

/** 8 to 6 days ago: the 5-minute tier up to the 7-day line, the 1-minute tier after it. */
function multiTierRange(): { from: string; to: string } {
  const now = Date.now();
  const from = Math.floor((now - 8 * DAY) / HOUR) * HOUR;
  return { from: new Date(from).toISOString(), to: new Date(from + 2 * DAY).toISOString() };
}

describe('backfill: exact rows end to end', () => {
  const scope = useTestScope();

  it('loads every slot of two domains over two tiers exactly once with the exact value, and a second run changes nothing without a call', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 40, latencyMs: 20 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '40' });
    const { from, to } = multiTierRange();

    const first = await runCli(['backfill', '--domains', domains.join(','), '--from', from, '--to', to], env);
    expect(first.stderr).not.toMatch(/failed chunks/);
    expect(first.code).toBe(0);
    const id = backfillIdOf(first);
    const chunks = await endedChunks(prefix, id);
    expect(new Set(chunks.map((c) => c.intervalS))).toEqual(new Set([60, 300]));
    const expected = expectedRows(chunks);
    const rows = await readRows(domains);
    expect(rows.length).toBe(expected.length);
    expect(rows).toEqual(expected);
    // Answered calls: one per chunk. (A throttled call, should this busy machine bunch two, is retried at no
    // attempt's cost; quota adherence itself is the multi-process test's subject.)
    const callsAfterFirst = sim.stats().calls;
    expect(callsAfterFirst - sim.stats().throttled).toBe(chunks.length);

    const throttledAfterFirst = sim.stats().throttled;
    const second = await runCli(['backfill', '--domains', domains.join(','), '--from', from, '--to', to], env);
    expect(second.code).toBe(0);
    // The second run plans from its own `now`. When the 1-minute tier's horizon crossed a 5-minute boundary between
    // the runs, the seam between the tiers is cut anew: those chunks (at most 2 per domain) are new and fetched.
    // Every other chunk is the same and comes from the ledger, without a call.
    const identity = (c: Chunk): string => `${c.domain}|${c.intervalS}|${c.start}|${c.end}`;
    const before = new Set(chunks.map(identity));
    const again = await endedChunks(prefix, backfillIdOf(second));
    const fresh = again.filter((c) => !before.has(identity(c)));
    expect(fresh.length).toBeLessThanOrEqual(2 * domains.length);
    expect(sim.stats().calls - sim.stats().throttled - (callsAfterFirst - throttledAfterFirst)).toBe(fresh.length);
    expect(second.stdout).toMatch(new RegExp(`${again.length}/${again.length} chunks done \\(${again.length - fresh.length} reused\\)`));
    const all = expectedRows([...chunks, ...fresh]);
    const once = all.filter((r, i) => i === 0 || r.domain !== all[i - 1]!.domain || r.intervalS !== all[i - 1]!.intervalS || r.ts !== all[i - 1]!.ts);
    expect(await readRows(domains)).toEqual(fresh.length === 0 ? expected : once);
  }, 120_000);

  it('fetches again, on a second run, exactly the chunks that held provisional slots, and reuses the rest', async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 50 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '50' });
    const now = Date.now();
    const from = new Date(Math.floor((now - 3 * HOUR) / HOUR) * HOUR).toISOString();
    const to = new Date(now).toISOString();

    const first = await runCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('not available from the API (not-yet-available)');
    const id = backfillIdOf(first);
    const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
    try {
      const chunks = await client.doneChunks(id);
      await readRows(domains);
      // QuestDB's ledger holds every chunk; those that held provisional slots are not final (never reused).
      const final = await ledgerFinal(chunks);
      const provisional = chunks.filter((c) => !final.has(c.id)).length;
      expect(provisional).toBeGreaterThan(0);
      expect(provisional).toBeLessThan(chunks.length);
      const answered = (): number => sim.stats().calls - sim.stats().throttled;
      expect(answered()).toBe(chunks.length);

      const second = await runCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], env);
      expect(second.code).toBe(0);
      const secondId = backfillIdOf(second);
      const summary = (await client.store.summary(secondId))!;
      // The second plan may end a minute later (now moved); the older chunks are the same ids.
      expect(summary.reused).toBe(chunks.length - provisional);
      expect(answered()).toBe(chunks.length + summary.calls - summary.throttles);
      expect(summary.calls - summary.throttles).toBeGreaterThanOrEqual(provisional);
      expect(summary.calls - summary.throttles).toBeLessThanOrEqual(provisional + 1);

      // Final slots hold their final value.
      const finalChunks = chunks.filter((c) => final.has(c.id));
      const finalRows = expectedRows(finalChunks);
      const stored = await readRows(domains);
      const byKey = new Map(stored.map((r) => [`${r.intervalS}|${r.ts}`, r.value]));
      for (const r of finalRows) expect(byKey.get(`${r.intervalS}|${r.ts}`)).toBe(r.value);
    } finally {
      await client.close();
    }
  }, 120_000);
});
