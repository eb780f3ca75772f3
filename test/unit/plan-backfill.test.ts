import { describe, expect, it } from 'vitest';
import { DEFAULT_MARGIN_MS, planBackfill, type BackfillPlan } from '../../src/plan/plan-backfill.js';
import { DEFAULT_TIERS, type Tier } from '../../src/aliyun/tiers.js';
import { CdnEtlError, InvalidArgumentError } from '../../src/core/errors.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = (iso: string): number => Date.parse(iso);
/** A fixed clock on the hour. With the default 1 h margin the planned horizons are then:
 * 1-minute data from 2026-11-22T13:00Z, 5-minute from 2026-08-28T13:00Z, hourly from 2026-05-27T13:00Z;
 * the newest published 1-minute slot ends at 11:55Z (5 min delay). */
const NOW = T('2026-11-29T12:00:00Z');

/** Compact, readable rendering: `interval start..end call callStart..callEnd` in UTC minutes. */
function chunks(plan: BackfillPlan): string[] {
  return plan.chunks.map((c) => `${c.domain} ${c.intervalS}s ${hm(c.start)}..${hm(c.end)} call ${hm(c.callStart)}..${hm(c.callEnd)}`);
}

function gaps(plan: BackfillPlan): string[] {
  return plan.unavailable.map((u) => `${u.domain} ${hm(u.start)}..${hm(u.end)} ${u.reason}`);
}

function hm(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(':00.000Z') ? iso.slice(0, 16) : iso;
}

function plan(fromIso: string, toIso: string, extra: { now?: number; domains?: string[]; tiers?: readonly Tier[]; marginMs?: number } = {}): BackfillPlan {
  return planBackfill({ domains: extra.domains ?? ['a.example.com'], from: T(fromIso), to: T(toIso), now: extra.now ?? NOW, tiers: extra.tiers, marginMs: extra.marginMs });
}

describe('planBackfill: tables of ranges', () => {
  const cases: { name: string; from: string; to: string; now?: string; chunks: string[]; gaps: string[] }[] = [
    {
      name: 'a range inside the last hour: 1-minute data up to the newest published slot',
      from: '2026-11-29T11:00:00Z',
      to: '2026-11-29T12:00:00Z',
      chunks: ['a.example.com 60s 2026-11-29T11:00..2026-11-29T11:55 call 2026-11-29T11:00..2026-11-29T11:54'],
      gaps: ['a.example.com 2026-11-29T11:55..2026-11-29T12:00 not-yet-available'],
    },
    {
      name: 'a range inside one hour, well published',
      from: '2026-11-29T10:10:00Z',
      to: '2026-11-29T10:50:00Z',
      chunks: ['a.example.com 60s 2026-11-29T10:10..2026-11-29T10:50 call 2026-11-29T10:10..2026-11-29T10:49'],
      gaps: [],
    },
    {
      name: 'whole hours become 1-hour calls on whole hours',
      from: '2026-11-29T08:00:00Z',
      to: '2026-11-29T10:00:00Z',
      chunks: [
        'a.example.com 60s 2026-11-29T08:00..2026-11-29T09:00 call 2026-11-29T08:00..2026-11-29T08:59',
        'a.example.com 60s 2026-11-29T09:00..2026-11-29T10:00 call 2026-11-29T09:00..2026-11-29T09:59',
      ],
      gaps: [],
    },
    {
      name: 'crossing the 7-day line: a 20-minute 5-minute remnant asked with a widened 1h05 call',
      from: '2026-11-22T12:40:00Z',
      to: '2026-11-22T14:30:00Z',
      chunks: [
        'a.example.com 60s 2026-11-22T13:00..2026-11-22T14:00 call 2026-11-22T13:00..2026-11-22T13:59',
        'a.example.com 60s 2026-11-22T14:00..2026-11-22T14:30 call 2026-11-22T14:00..2026-11-22T14:29',
        'a.example.com 300s 2026-11-22T12:40..2026-11-22T13:00 call 2026-11-22T12:40..2026-11-22T13:45',
      ],
      gaps: [],
    },
    {
      name: 'crossing the 7-day line with a long 5-minute part: no widening needed',
      from: '2026-11-21T11:40:00Z',
      to: '2026-11-22T13:17:00Z',
      chunks: [
        'a.example.com 60s 2026-11-22T13:00..2026-11-22T13:17 call 2026-11-22T13:00..2026-11-22T13:16',
        'a.example.com 300s 2026-11-21T11:40..2026-11-22T13:00 call 2026-11-21T11:40..2026-11-22T12:55',
      ],
      gaps: [],
    },
    {
      name: 'crossing 93 days: hourly below, 5-minute above, both remnants widened',
      from: '2026-08-28T10:00:00Z',
      to: '2026-08-28T13:20:00Z',
      chunks: [
        'a.example.com 300s 2026-08-28T13:00..2026-08-28T13:20 call 2026-08-28T13:00..2026-08-28T14:05',
        'a.example.com 3600s 2026-08-28T10:00..2026-08-28T13:00 call 2026-08-28T10:00..2026-08-31T11:00',
      ],
      gaps: [],
    },
    {
      name: 'crossing 186 days: the older part is reported beyond the horizon',
      from: '2026-05-27T00:00:00Z',
      to: '2026-05-28T00:00:00Z',
      chunks: ['a.example.com 3600s 2026-05-27T13:00..2026-05-28T00:00 call 2026-05-27T13:00..2026-05-30T14:00'],
      gaps: ['a.example.com 2026-05-27T00:00..2026-05-27T13:00 beyond-horizon'],
    },
    {
      name: 'entirely beyond 186 days: no chunk, one unavailable range',
      from: '2026-01-01T00:00:00Z',
      to: '2026-05-01T00:00:00Z',
      chunks: [],
      gaps: ['a.example.com 2026-01-01T00:00..2026-05-01T00:00 beyond-horizon'],
    },
    {
      name: 'entirely in the future: not yet available',
      from: '2026-11-30T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      chunks: [],
      gaps: ['a.example.com 2026-11-30T00:00..2026-12-01T00:00 not-yet-available'],
    },
    {
      name: 'exact boundaries: from the 1-minute horizon to the newest published slot, nothing left over',
      from: '2026-11-22T13:00:00Z',
      to: '2026-11-22T15:00:00Z',
      chunks: [
        'a.example.com 60s 2026-11-22T13:00..2026-11-22T14:00 call 2026-11-22T13:00..2026-11-22T13:59',
        'a.example.com 60s 2026-11-22T14:00..2026-11-22T15:00 call 2026-11-22T14:00..2026-11-22T14:59',
      ],
      gaps: [],
    },
    {
      name: 'exact boundaries: `to` at the newest published slot end, then 1 ms past it',
      from: '2026-11-29T11:50:00Z',
      to: '2026-11-29T11:55:00.001Z',
      chunks: ['a.example.com 60s 2026-11-29T11:50..2026-11-29T11:55 call 2026-11-29T11:50..2026-11-29T11:54'],
      gaps: ['a.example.com 2026-11-29T11:55..2026-11-29T11:55:00.001Z not-yet-available'],
    },
    {
      name: 'exact boundaries: `from` at the hourly horizon',
      from: '2026-05-27T13:00:00Z',
      to: '2026-05-27T14:00:00Z',
      chunks: ['a.example.com 3600s 2026-05-27T13:00..2026-05-27T14:00 call 2026-05-27T13:00..2026-05-30T14:00'],
      gaps: [],
    },
    {
      name: 'exact boundaries: `from` 1 ms before the hourly horizon',
      from: '2026-05-27T12:59:59.999Z',
      to: '2026-05-27T14:00:00Z',
      chunks: ['a.example.com 3600s 2026-05-27T13:00..2026-05-27T14:00 call 2026-05-27T13:00..2026-05-30T14:00'],
      gaps: ['a.example.com 2026-05-27T12:59:59.999Z..2026-05-27T13:00 beyond-horizon'],
    },
    {
      name: 'off-grid bounds are rounded inward to whole slots',
      from: '2026-11-29T10:00:30Z',
      to: '2026-11-29T10:10:30Z',
      chunks: ['a.example.com 60s 2026-11-29T10:01..2026-11-29T10:10 call 2026-11-29T10:01..2026-11-29T10:09'],
      gaps: [],
    },
    {
      name: 'off-grid bounds at 5-minute granularity',
      from: '2026-10-01T00:02:00Z',
      to: '2026-10-01T03:58:00Z',
      chunks: ['a.example.com 300s 2026-10-01T00:05..2026-10-01T03:55 call 2026-10-01T00:05..2026-10-01T03:50'],
      gaps: [],
    },
    {
      name: 'a range shorter than one slot holds no slot start: nothing to plan, nothing missing',
      from: '2026-10-01T00:01:00Z',
      to: '2026-10-01T00:04:00Z',
      chunks: [],
      gaps: [],
    },
    {
      name: 'a single 1-minute slot is asked with a 1-minute span (StartTime < EndTime)',
      from: '2026-11-29T10:00:00Z',
      to: '2026-11-29T10:01:00Z',
      chunks: ['a.example.com 60s 2026-11-29T10:00..2026-11-29T10:01 call 2026-11-29T10:00..2026-11-29T10:01'],
      gaps: [],
    },
    {
      name: 'now off the grid: the tier change lands on the 5-minute grid, no minute is lost',
      now: '2026-11-29T12:02:30Z',
      from: '2026-11-22T12:59:59.999Z',
      to: '2026-11-22T13:10:00Z',
      chunks: [
        'a.example.com 60s 2026-11-22T13:05..2026-11-22T13:10 call 2026-11-22T13:05..2026-11-22T13:09',
        'a.example.com 300s 2026-11-22T13:00..2026-11-22T13:05 call 2026-11-22T13:00..2026-11-22T14:05',
      ],
      gaps: [],
    },
    {
      name: 'from == to: an empty range plans nothing',
      from: '2026-11-29T10:00:00Z',
      to: '2026-11-29T10:00:00Z',
      chunks: [],
      gaps: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.from, c.to, c.now ? { now: T(c.now) } : {});
      expect(chunks(p)).toEqual(c.chunks);
      expect(gaps(p)).toEqual(c.gaps);
    });
  }

  it('3-day calls for 5-minute data on the epoch-aligned 3-day grid, 31-day calls for hourly data', () => {
    const p = plan('2026-06-01T00:00:00Z', '2026-09-05T00:00:00Z');
    expect(chunks(p).sort()).toEqual([
      'a.example.com 300s 2026-08-28T13:00..2026-08-29T00:00 call 2026-08-28T13:00..2026-08-28T23:55',
      'a.example.com 300s 2026-08-29T00:00..2026-09-01T00:00 call 2026-08-29T00:00..2026-08-31T23:55',
      'a.example.com 300s 2026-09-01T00:00..2026-09-04T00:00 call 2026-09-01T00:00..2026-09-03T23:55',
      'a.example.com 300s 2026-09-04T00:00..2026-09-05T00:00 call 2026-09-04T00:00..2026-09-04T23:55',
      'a.example.com 3600s 2026-06-01T00:00..2026-06-11T00:00 call 2026-06-01T00:00..2026-06-10T23:00',
      'a.example.com 3600s 2026-06-11T00:00..2026-07-12T00:00 call 2026-06-11T00:00..2026-07-11T23:00',
      'a.example.com 3600s 2026-07-12T00:00..2026-08-12T00:00 call 2026-07-12T00:00..2026-08-11T23:00',
      'a.example.com 3600s 2026-08-12T00:00..2026-08-28T13:00 call 2026-08-12T00:00..2026-08-28T12:00',
    ]);
    expect(p.unavailable).toEqual([]);
  });

  it('the full 186 days: 167 hour-sized 1-minute calls, 5-minute and hourly calls, two unavailable ends', () => {
    const p = planBackfill({ domains: ['a.example.com'], from: NOW - 200 * DAY, to: NOW + HOUR, now: NOW });
    const byInterval = (s: number): number => p.chunks.filter((c) => c.intervalS === s).length;
    // 1-minute: 2026-11-22T13:00 .. 2026-11-29T11:55 -> 166 whole hours + one 55-minute hour.
    expect(byInterval(60)).toBe(167);
    // 5-minute: 2026-08-28T13:00 .. 2026-11-22T13:00 on the 3-day grid.
    expect(byInterval(300)).toBe(30);
    // Hourly: 2026-05-27T13:00 .. 2026-08-28T13:00 on the 31-day grid.
    expect(byInterval(3600)).toBe(4);
    expect(gaps(p)).toEqual([
      'a.example.com 2026-05-13T12:00..2026-05-27T13:00 beyond-horizon',
      'a.example.com 2026-11-29T11:55..2026-11-29T13:00 not-yet-available',
    ]);
  });

  it('a larger margin moves every tier change inward by the same amount', () => {
    const p = planBackfill({ domains: ['a.example.com'], from: T('2026-11-22T12:00:00Z'), to: T('2026-11-22T16:00:00Z'), now: NOW, marginMs: 3 * HOUR });
    expect(chunks(p)).toEqual([
      'a.example.com 60s 2026-11-22T15:00..2026-11-22T16:00 call 2026-11-22T15:00..2026-11-22T15:59',
      'a.example.com 300s 2026-11-22T12:00..2026-11-22T15:00 call 2026-11-22T12:00..2026-11-22T14:55',
    ]);
  });

  it('several domains: one call per domain, lower-cased and deduplicated, most urgent first, then by domain', () => {
    const p = plan('2026-11-22T12:40:00Z', '2026-11-22T14:00:00Z', { domains: ['b.example.com', 'A.Example.com', 'B.EXAMPLE.COM'] });
    expect(chunks(p)).toEqual([
      'a.example.com 60s 2026-11-22T13:00..2026-11-22T14:00 call 2026-11-22T13:00..2026-11-22T13:59',
      'b.example.com 60s 2026-11-22T13:00..2026-11-22T14:00 call 2026-11-22T13:00..2026-11-22T13:59',
      'a.example.com 300s 2026-11-22T12:40..2026-11-22T13:00 call 2026-11-22T12:40..2026-11-22T13:45',
      'b.example.com 300s 2026-11-22T12:40..2026-11-22T13:00 call 2026-11-22T12:40..2026-11-22T13:45',
    ]);
  });

  it('unavailable ranges are reported for every domain', () => {
    const p = plan('2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', { domains: ['a.example.com', 'b.example.com'] });
    expect(gaps(p)).toEqual([
      'a.example.com 2025-01-01T00:00..2025-01-02T00:00 beyond-horizon',
      'b.example.com 2025-01-01T00:00..2025-01-02T00:00 beyond-horizon',
    ]);
  });

  it('chunk ids follow chunkId(): domain, interval, compact UTC bounds', () => {
    const p = plan('2026-11-22T12:40:00Z', '2026-11-22T13:30:00Z');
    expect(p.chunks.map((c) => c.id)).toEqual(['a.example.com_60s_20261122T1300Z_20261122T1330Z', 'a.example.com_300s_20261122T1240Z_20261122T1300Z']);
  });

  it('the seed edition tier table (1-minute data for 90 days, spans up to 90 days) is honoured', () => {
    const seedTiers: Tier[] = [{ intervalS: 60, maxSpanMs: 90 * DAY, historyMs: 90 * DAY, delayMs: 5 * MIN, revisionMs: 25 * MIN }];
    const p = plan('2026-11-01T00:00:00Z', '2026-11-29T00:00:00Z', { tiers: seedTiers });
    expect(chunks(p)).toEqual(['a.example.com 60s 2026-11-01T00:00..2026-11-29T00:00 call 2026-11-01T00:00..2026-11-28T23:59']);
  });

  it('defaults are the documented tier table and a 1-hour margin', () => {
    expect(DEFAULT_MARGIN_MS).toBe(HOUR);
    const explicit = planBackfill({ domains: ['a.example.com'], from: NOW - 100 * DAY, to: NOW, now: NOW, tiers: DEFAULT_TIERS, marginMs: HOUR });
    expect(plan(new Date(NOW - 100 * DAY).toISOString(), new Date(NOW).toISOString())).toEqual(explicit);
  });
});

describe('planBackfill: refused input', () => {
  const cases: { name: string; input: Parameters<typeof planBackfill>[0]; source?: string; message: RegExp }[] = [
    { name: 'from after to', input: { domains: ['a.example.com'], from: NOW, to: NOW - 1, now: NOW }, source: '--from', message: /starts after it ends/ },
    { name: 'a bad domain, named', input: { domains: ['a.example.com', 'bad domain.com'], from: NOW - HOUR, to: NOW, now: NOW }, source: '--domains', message: /"bad domain\.com"/ },
    { name: 'fractional from', input: { domains: ['a.example.com'], from: 0.5, to: NOW, now: NOW }, message: /whole epoch milliseconds/ },
    { name: 'NaN now', input: { domains: ['a.example.com'], from: 0, to: 1, now: Number.NaN }, message: /now/ },
    { name: 'negative margin', input: { domains: ['a.example.com'], from: 0, to: 1, now: NOW, marginMs: -1 }, message: /marginMs/ },
    { name: 'an empty tier table', input: { domains: ['a.example.com'], from: 0, to: 1, now: NOW, tiers: [] }, message: /tier table is empty/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let caught: unknown;
      try {
        planBackfill(c.input);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as CdnEtlError).code).toBe('CDN_ETL_INVALID_ARGUMENT');
      expect((caught as InvalidArgumentError).source).toBe(c.source);
      expect((caught as Error).message).toMatch(c.message);
    });
  }

  it('no domains: nothing to plan', () => {
    expect(planBackfill({ domains: [], from: NOW - DAY, to: NOW, now: NOW })).toEqual({ chunks: [], unavailable: [] });
  });
});
