/** The call budget's decision (pipeline/call-budget.ts budgetSlot, mirrored by call-budget.lua) and `status`'s spending table. */
import { describe, expect, it } from 'vitest';
import { budgetSlot, busiestSecond, callRate, maxQpsOf } from '../../src/pipeline/call-budget.js';
import { formatSpending, priorityLabel } from '../../src/commands/status.js';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';

/** Builds a record the way call-budget.lua does: each request at `now` gets budgetSlot() of the second before it. */
function record(requests: readonly number[], cap: number): number[] {
  const times: number[] = [];
  for (const now of requests) {
    const recent = times.filter((t) => t > now - 1000).sort((a, b) => a - b);
    times.push(budgetSlot(recent, cap, now));
  }
  return times;
}

describe('budgetSlot', () => {
  it('lets a call go now while fewer than the cap are in the last second, or without a cap', () => {
    expect(budgetSlot([], 3, 5_000)).toBe(5_000);
    expect(budgetSlot([4_100, 4_500], 3, 5_000)).toBe(5_000);
    expect(budgetSlot([4_100, 4_500, 4_900, 4_950], 0, 5_000)).toBe(5_000);
  });

  it('reserves the first time the second before it holds fewer than the cap, after the last reservation', () => {
    // Three calls at 4,100, 4,500, 4,900 with a cap of 3: the next may go when 4,100 leaves the second, at 5,100.
    expect(budgetSlot([4_100, 4_500, 4_900], 3, 5_000)).toBe(5_100);
    // Reservations already queued up to 6,000: the next comes after the cap-th newest plus a second.
    expect(budgetSlot([4_100, 4_500, 4_900, 5_100, 5_500, 5_900], 3, 5_000)).toBe(6_100);
    // A cap of 1 spaces calls a second apart.
    expect(budgetSlot([4_300], 1, 5_000)).toBe(5_300);
  });

  it('never lets any one-second window of the record hold more than the cap (bursts, trickles, random arrivals)', () => {
    let seed = 17;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const cap of [1, 2, 3, 5, 10]) {
      const burst = Array.from({ length: 200 }, () => 1_000);
      const trickle = Array.from({ length: 200 }, (_, i) => 1_000 + i * 37);
      let t = 1_000;
      const randomArrivals = Array.from({ length: 500 }, () => (t += Math.floor(random() * 300)));
      for (const requests of [burst, trickle, randomArrivals]) {
        const times = record(requests, cap);
        expect(busiestSecond(times)).toBe(Math.min(cap, busiestSecond(requests)));
        // Nothing goes before it was asked for.
        times.forEach((slot, i) => expect(slot).toBeGreaterThanOrEqual(requests[i]!));
      }
    }
  });

  it('a burst of 50 requests with a cap of 5 is spread over 10 seconds, 5 a second', () => {
    const times = record(Array.from({ length: 50 }, () => 0), 5);
    expect(Math.max(...times)).toBe(9_000);
    expect(busiestSecond(times)).toBe(5);
  });
});

describe('busiestSecond and the rate', () => {
  it('counts the most calls inside any half-open second', () => {
    expect(busiestSecond([])).toBe(0);
    expect(busiestSecond([0, 999, 1_000])).toBe(2);
    expect(busiestSecond([0, 1, 2, 1_001, 1_002])).toBe(3);
  });

  it('turns a count over the last 10 s into calls per second', () => {
    expect(callRate(47)).toBe(4.7);
  });

  it('reads a cap from a meta hash', () => {
    expect(maxQpsOf({ max_qps: '5' })).toBe(5);
    expect(maxQpsOf({})).toBeUndefined();
    expect(maxQpsOf({ max_qps: '0' })).toBeUndefined();
  });
});

describe('status: who is spending the quota', () => {
  const base = { state: 'running', maxQps: undefined, callRate: 0 } as const;
  it('lists each running backfill and pass with class, priority, cap and calls per second', () => {
    const list = [
      { ...base, id: 'sync-20261129T1930Z-abc123', workClass: 'sync', callRate: 0.4 },
      { ...base, id: 'bf-20261129T1900Z-k3x9qa', workClass: 'backfill', maxQps: 5, callRate: 5 },
      { ...base, id: 'bf-20261129T1800Z-zzz999', workClass: 'backfill', state: 'done', callRate: 0 },
    ] as unknown as BackfillSummary[];
    expect(formatSpending(list).split('\n')).toEqual([
      'quota spent (calls/s over the last 10 s, 5.4 in all):',
      '  ID                          CLASS     PRIORITY  CAP  CALLS/S',
      '  sync-20261129T1930Z-abc123  sync      1         -    0.4',
      '  bf-20261129T1900Z-k3x9qa    backfill  2-3       5    5.0',
      '',
    ]);
    expect(formatSpending([])).toBe('');
    expect(priorityLabel('audit')).toBe('4');
  });
});
