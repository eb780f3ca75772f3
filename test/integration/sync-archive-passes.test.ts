/**
 * Archive-mode sync passes end to end in this process (the simulator with a data clock the test drives, real Redis
 * and QuestDB): each hour of each domain is fetched once, after it is final and the domain's phase has passed, with
 * its final value; the watermark moves an hour at a time; a domain in freshDomains keeps today's fresh range.
 */
import { describe, expect, it } from 'vitest';
import { archiveEnd, archivePhaseMs } from '../../src/sync/sync-plan.js';
import { readRows, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';
import { HOUR, MIN, runOncePass, slots, sortRows, watermarksOf } from '../helpers/sync-fixture.js';

describe('sync passes in archive mode', () => {
  const scope = useTestScope();

  it('fetch each final hour once per domain, at one call per domain-hour, and keep fresh domains fresh', async () => {
    const domains = uniqueDomains(3);
    const [fresh] = domains as [string];
    const prefix = scope.prefix();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR;
    const since = t0 - 3 * HOUR;
    let clock = t0 + 2 * HOUR;
    const sim = await scope.simulator(domains, { qps: 40, now: () => clock });
    const h = { sim, prefix, selection: { kind: 'domains', domains } as const, now: () => clock };
    const end = (d: string, now: number): number => archiveEnd(now, archivePhaseMs(d));

    // Pass 1: every hour from --since that is final for the domain's phase: 4 or 5 hours each (t0 + 1 h is final at
    // t0 + 1 h 30 min, and taken at that plus the phase, which is 0 to 59 min).
    const first = await runOncePass(h, { since, mode: 'archive' });
    expect(first.state).toBe('done');
    expect(first.ranges.map((r) => [r.domain, r.from, r.to])).toEqual(domains.map((d) => [d, since, end(d, clock)]));
    const hours1 = domains.reduce((s, d) => s + (end(d, clock) - since) / HOUR, 0);
    expect(first.summary.calls).toBe(hours1);
    expect(first.summary.total).toBe(hours1);
    // Final values only, nothing after the archived hours.
    expect(await readRows(domains)).toEqual(sortRows(domains.flatMap((d) => slots(d, 60, since, end(d, clock)))));
    const wm1 = await watermarksOf(prefix, domains);
    for (const d of domains) expect(wm1.get(d)!.watermark).toBe(end(d, clock));

    // An hour later: exactly one more hour per domain, one call each.
    const before = clock;
    clock += HOUR;
    const second = await runOncePass(h, { mode: 'archive' });
    expect(second.summary.calls).toBe(3);
    expect(second.ranges.map((r) => [r.from, r.to])).toEqual(domains.map((d) => [end(d, before), end(d, before) + HOUR]));
    expect(second.watermarks).toEqual(domains.map((d) => ({ domain: d, before: end(d, before), after: end(d, before) + HOUR })));

    // With `fresh` in freshDomains: its trailing window up to the newest published minute; the others wait for their
    // next final hour (none is due 5 minutes later unless the phase boundary falls in between).
    clock += 5 * MIN;
    const third = await runOncePass(h, { mode: 'archive', freshDomains: [fresh] });
    const freshRange = third.ranges.find((r) => r.domain === fresh)!;
    expect([freshRange.from, freshRange.to]).toEqual([Math.floor((end(fresh, before) + HOUR - 30 * MIN) / HOUR) * HOUR, Math.floor((clock - 5 * MIN) / MIN) * MIN]);
    for (const r of third.ranges.filter((x) => x.domain !== fresh)) {
      expect([r.from, r.to]).toEqual([end(r.domain, before) + HOUR, Math.max(end(r.domain, before) + HOUR, end(r.domain, clock))]);
    }
  }, 120_000);
});
