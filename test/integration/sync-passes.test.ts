/**
 * Sync passes end to end in this process: the simulator with a data clock the test drives, real Redis (watermarks,
 * queues, bookkeeping) and real QuestDB. Values are compared exactly with the simulator's traffic model.
 */
import { describe, expect, it } from 'vitest';
import type { Tier } from '../../src/aliyun/tiers.js';
import { Redis } from 'ioredis';
import { pipelineKeys } from '../../src/pipeline/pipeline-keys.js';
import { syncKeys } from '../../src/sync/sync-keys.js';
import { finalSlotValue } from '../../src/sim/simulator.js';
import { readRows, REDIS_URL, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';
import { DAY, HOUR, MIN, runOncePass, slots, sortRows, watermarksOf } from '../helpers/sync-fixture.js';

/** Small horizons so a sync "down for longer than a tier's horizon" takes a few calls: 6 h of 1-minute data. */
const SMALL_TIERS: readonly Tier[] = [
  { intervalS: 60, maxSpanMs: HOUR, historyMs: 6 * HOUR, delayMs: 5 * MIN, revisionMs: 25 * MIN },
  { intervalS: 300, maxSpanMs: DAY, historyMs: 2 * DAY, delayMs: 15 * MIN, revisionMs: 45 * MIN },
  { intervalS: 3600, maxSpanMs: 31 * DAY, historyMs: 10 * DAY, delayMs: 4 * HOUR, revisionMs: 2 * HOUR },
];

describe('sync passes', () => {
  const scope = useTestScope();

  it('two passes 40 minutes apart leave every slot final by the second pass with its final value, not the provisional one first seen', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR;
    let clock = t0;
    const sim = await scope.simulator(domains, { qps: 40, now: () => clock });
    const h = { sim, prefix, selection: { kind: 'domains', domains } as const, now: () => clock };

    const first = await runOncePass(h, { since: t0 - 2 * HOUR });
    expect(first.state).toBe('done');
    expect(first.newDomains).toEqual([]);
    expect(first.summary.total).toBe(4);
    expect(first.summary.calls).toBe(4);
    const afterFirst = await readRows(domains);
    const expectedFirst = sortRows(domains.flatMap((d) => slots(d, 60, t0 - 2 * HOUR, t0 - 5 * MIN, t0)));
    expect(afterFirst).toEqual(expectedFirst);
    // The newest 25 minutes were provisional when first seen: lower than their final value.
    const provisional = afterFirst.filter((r) => r.value < finalSlotValue(r.domain, 60, r.ts));
    expect(provisional.length).toBe(2 * 25);
    expect(new Set(provisional.map((r) => r.ts)).size).toBe(25);
    expect(Math.min(...provisional.map((r) => r.ts))).toBe(t0 - 30 * MIN);
    // The watermark stops at the last final slot: 5 min delay + 25 min revision before now.
    for (const [, wm] of await watermarksOf(prefix, domains)) expect(wm).toMatchObject({ watermark: t0 - 30 * MIN, floor: t0 - 2 * HOUR });

    clock = t0 + 40 * MIN;
    const second = await runOncePass(h);
    expect(second.state).toBe('done');
    expect(second.ranges.map((r) => [r.from, r.to])).toEqual(domains.map(() => [t0 - HOUR, t0 + 35 * MIN]));
    expect(second.summary.calls).toBe(4);
    const afterSecond = await readRows(domains);
    expect(afterSecond).toEqual(sortRows(domains.flatMap((d) => [...slots(d, 60, t0 - 2 * HOUR, t0 - HOUR, t0), ...slots(d, 60, t0 - HOUR, t0 + 35 * MIN, clock)])));
    const finalBySecond = afterSecond.filter((r) => r.ts + MIN <= clock - 30 * MIN);
    expect(finalBySecond.length).toBe(2 * 130);
    for (const r of finalBySecond) expect(r.value).toBe(finalSlotValue(r.domain, 60, r.ts));
    for (const p of provisional) expect(afterSecond.find((r) => r.domain === p.domain && r.ts === p.ts)!.value).toBe(finalSlotValue(p.domain, 60, p.ts));
    expect(second.watermarks).toEqual(domains.map((d) => ({ domain: d, before: t0 - 30 * MIN, after: t0 + 10 * MIN })));
    // Every API call of both passes served one chunk: nothing was fetched twice within a pass.
    expect(sim.stats().calls).toBe(8);
  }, 120_000);

  it('a sync stopped for longer than the 1-minute horizon recovers what the 5-minute tier still holds, and says so', async () => {
    const domains = uniqueDomains(1);
    const d = domains[0]!;
    const prefix = scope.prefix();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR;
    let clock = t0;
    const sim = await scope.simulator(domains, { qps: 40, now: () => clock, tiers: SMALL_TIERS });
    const h = { sim, prefix, selection: { kind: 'domains', domains } as const, now: () => clock, tiers: SMALL_TIERS, marginMs: 30 * MIN };

    const first = await runOncePass(h, { since: t0 - HOUR });
    expect(first.state).toBe('done');
    expect(first.coarse).toEqual([]);

    // Down for 12 hours: the 1-minute tier now starts at now - 6 h + 30 min margin.
    clock = t0 + 12 * HOUR;
    const second = await runOncePass(h);
    expect(second.state).toBe('done');
    const boundary = clock - 6 * HOUR + 30 * MIN;
    expect(second.coarse).toEqual([{ domain: d, intervalS: 300, start: t0 - HOUR, end: boundary }]);
    expect(second.unavailable).toEqual([]);
    expect(second.watermarks).toEqual([{ domain: d, before: t0 - 30 * MIN, after: clock - 30 * MIN }]);
    const rows = await readRows(domains);
    const expected = sortRows([
      ...slots(d, 60, t0 - HOUR, t0 - 5 * MIN, t0, SMALL_TIERS),
      ...slots(d, 60, boundary, clock - 5 * MIN, clock, SMALL_TIERS),
      ...slots(d, 300, t0 - HOUR, boundary),
    ]);
    expect(rows.length).toBe(expected.length);
    expect(rows).toEqual(expected);
    // The 5-minute slots of the outage are final and complete: 7 h 30 min of them.
    expect(rows.filter((r) => r.intervalS === 300).length).toBe(90);
    // The first pass's bookkeeping was pruned (older than 6 hours of the sync's clock); the second's is kept.
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.zrange(syncKeys(prefix).passes, 0, -1)).toEqual([second.id]);
      expect(await redis.exists(...pipelineKeys(prefix).ofBackfill(first.id))).toBe(0);
      expect(await redis.zscore(pipelineKeys(prefix).backfills, first.id)).toBeNull();
      expect(await redis.hget(pipelineKeys(prefix).meta(second.id), 'id')).toBe(second.id);
    } finally {
      await redis.quit();
    }
  }, 120_000);
});
