import { describe, expect, it } from 'vitest';
import { planBackfill, replanAtCoarserTier, rowsInChunk } from '../../src/plan/plan-backfill.js';
import { chunkId } from '../../src/plan/chunk-id.js';
import { DEFAULT_TIERS, tierByInterval, tierForSpan } from '../../src/aliyun/tiers.js';
import type { Chunk, TrafficRow } from '../../src/core/model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = (iso: string): number => Date.parse(iso);
/** Planned horizons at this clock (1 h margin): 1-minute from 2026-11-22T13:00Z, 5-minute from 2026-08-28T13:00Z,
 * hourly from 2026-05-27T13:00Z. */
const NOW = T('2026-11-29T12:00:00Z');

function chunk(intervalS: number, startIso: string, endIso: string): Chunk {
  const start = T(startIso);
  const end = T(endIso);
  return { id: chunkId('a.example.com', intervalS, start, end), domain: 'a.example.com', intervalS, start, end, callStart: start, callEnd: end - intervalS * 1000 };
}

function show(chunks: Chunk[] | undefined): string[] | undefined {
  return chunks?.map((c) => `${c.intervalS}s ${iso(c.start)}..${iso(c.end)} call ${iso(c.callStart)}..${iso(c.callEnd)} ${c.id}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

describe('replanAtCoarserTier', () => {
  const cases: { name: string; chunk: Chunk; now?: number; want: string[] | undefined }[] = [
    {
      name: 'a 1-minute hour that fell off the 7-day horizon becomes 5-minute data, call widened past 1 hour',
      chunk: chunk(60, '2026-11-22T12:00:00Z', '2026-11-22T13:00:00Z'),
      want: ['300s 2026-11-22T12:00..2026-11-22T13:00 call 2026-11-22T12:00..2026-11-22T13:05 a.example.com_300s_20261122T1200Z_20261122T1300Z'],
    },
    {
      name: 'a 1-minute remnant is rounded inward to the 5-minute grid',
      chunk: chunk(60, '2026-11-22T12:03:00Z', '2026-11-22T12:21:00Z'),
      want: ['300s 2026-11-22T12:05..2026-11-22T12:20 call 2026-11-22T12:05..2026-11-22T13:10 a.example.com_300s_20261122T1205Z_20261122T1220Z'],
    },
    {
      name: 'a 1-minute piece holding no whole 5-minute or hourly slot: nothing coarser can serve it',
      chunk: chunk(60, '2026-11-22T12:03:00Z', '2026-11-22T12:07:00Z'),
      want: undefined,
    },
    {
      name: 'a 3-day 5-minute chunk that fell off the 93-day horizon becomes hourly data, call widened past 3 days',
      chunk: chunk(300, '2026-08-26T00:00:00Z', '2026-08-29T00:00:00Z'),
      want: ['3600s 2026-08-26T00:00..2026-08-29T00:00 call 2026-08-26T00:00..2026-08-29T01:00 a.example.com_3600s_20260826T0000Z_20260829T0000Z'],
    },
    {
      name: "a chunk crossing the hourly tier's 31-day call grid is split on it (same ids as planBackfill)",
      chunk: chunk(300, '2026-08-11T00:00:00Z', '2026-08-14T00:00:00Z'),
      want: [
        '3600s 2026-08-11T00:00..2026-08-12T00:00 call 2026-08-11T00:00..2026-08-14T01:00 a.example.com_3600s_20260811T0000Z_20260812T0000Z',
        '3600s 2026-08-12T00:00..2026-08-14T00:00 call 2026-08-12T00:00..2026-08-15T01:00 a.example.com_3600s_20260812T0000Z_20260814T0000Z',
      ],
    },
    {
      name: 'a 1-minute chunk older than 93 days skips 5-minute and goes to hourly',
      chunk: chunk(60, '2026-08-01T10:00:00Z', '2026-08-01T11:00:00Z'),
      want: ['3600s 2026-08-01T10:00..2026-08-01T11:00 call 2026-08-01T10:00..2026-08-04T11:00 a.example.com_3600s_20260801T1000Z_20260801T1100Z'],
    },
    {
      name: 'an hourly chunk has no coarser tier',
      chunk: chunk(3600, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'),
      want: undefined,
    },
    {
      name: 'a chunk older than every horizon (plus margin) cannot be re-planned',
      chunk: chunk(300, '2026-05-27T00:00:00Z', '2026-05-27T13:00:00Z'),
      want: undefined,
    },
    {
      name: 'a chunk starting inside the hourly margin cannot be re-planned either',
      chunk: chunk(300, '2026-05-27T12:00:00Z', '2026-05-27T14:00:00Z'),
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = replanAtCoarserTier(c.chunk, c.now ?? NOW);
      expect(show(got)).toEqual(c.want);
      for (const n of got ?? []) {
        const tier = tierByInterval(DEFAULT_TIERS, n.intervalS)!;
        expect(tierForSpan(DEFAULT_TIERS, n.callEnd - n.callStart)).toBe(tier);
        expect(n.callStart).toBeGreaterThanOrEqual(NOW - tier.historyMs + HOUR);
        expect(n.start).toBeGreaterThanOrEqual(c.chunk.start);
        expect(n.end).toBeLessThanOrEqual(c.chunk.end);
      }
    });
  }

  it('a re-planned chunk gets the id planBackfill gives the same slots at that tier', () => {
    const replanned = replanAtCoarserTier(chunk(300, '2026-08-14T00:00:00Z', '2026-08-17T00:00:00Z'), NOW)!;
    const planned = planBackfill({ domains: ['a.example.com'], from: T('2026-08-14T00:00:00Z'), to: T('2026-08-17T00:00:00Z'), now: NOW });
    expect(replanned.map((c) => c.id)).toEqual(planned.chunks.map((c) => c.id));
  });

  it('honours a custom margin and tier table', () => {
    const c = chunk(60, '2026-11-22T14:00:00Z', '2026-11-22T15:00:00Z');
    // With a 3 h margin, 1-minute data is planned only from 15:00: the 5-minute tier takes this hour.
    expect(show(replanAtCoarserTier(c, NOW, DEFAULT_TIERS, 3 * HOUR))).toEqual([
      '300s 2026-11-22T14:00..2026-11-22T15:00 call 2026-11-22T14:00..2026-11-22T15:05 a.example.com_300s_20261122T1400Z_20261122T1500Z',
    ]);
    expect(replanAtCoarserTier(c, NOW, [DEFAULT_TIERS[0]!])).toBeUndefined();
  });
});

describe('rowsInChunk', () => {
  const c = chunk(300, '2026-11-22T12:00:00Z', '2026-11-22T12:20:00Z');
  const row = (isoTime: string, value: number): TrafficRow => ({ ts: T(isoTime), domain: 'a.example.com', intervalS: 300, value });
  const cases: { name: string; rows: TrafficRow[]; want: number[] }[] = [
    { name: 'no rows', rows: [], want: [] },
    {
      name: 'keeps [start, end): drops the slot before, keeps start, keeps the last, drops the slot at end',
      rows: [row('2026-11-22T11:55:00Z', 1), row('2026-11-22T12:00:00Z', 2), row('2026-11-22T12:15:00Z', 3), row('2026-11-22T12:20:00Z', 4)],
      want: [2, 3],
    },
    {
      name: 'a widened call answer: only the chunk slots stay, in the order given',
      rows: Array.from({ length: 14 }, (_, i) => row(new Date(T('2026-11-22T12:00:00Z') + i * 5 * MIN).toISOString(), i)),
      want: [0, 1, 2, 3],
    },
  ];
  for (const k of cases) {
    it(k.name, () => {
      expect(rowsInChunk(k.rows, c).map((r) => r.value)).toEqual(k.want);
    });
  }
});
