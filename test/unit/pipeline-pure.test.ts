/** Pure helpers of the pipeline: job ids, compact rows, provisional chunks, failure codes, backoff, ids. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../../src/aliyun/tiers.js';
import { ApiError, LoadError, ResponseInvalidError } from '../../src/core/errors.js';
import type { Chunk } from '../../src/core/model.js';
import { BACKFILL_ID_PATTERN, newBackfillId } from '../../src/pipeline/backfill-store.js';
import { chunkHasProvisionalSlots, failureCode } from '../../src/pipeline/fetch-stage.js';
import { compactRows, expandRows, fetchJobId, loadBackoffStrategy, loadJobId } from '../../src/pipeline/pipeline-jobs.js';
import { chunkId } from '../../src/plan/chunk-id.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

function chunk(intervalS: number, start: number, end: number): Chunk {
  return { id: chunkId('a.example.com', intervalS, start, end), domain: 'a.example.com', intervalS, start, end, callStart: start, callEnd: end - intervalS * 1000 };
}

describe('job ids', () => {
  const cases = [
    { name: 'first round', round: 0, fetch: 'bf-20261129T1000Z-abc123__a.example.com_60s_20261129T1000Z_20261129T1100Z' },
    { name: 'retry round 2', round: 2, fetch: 'bf-20261129T1000Z-abc123__a.example.com_60s_20261129T1000Z_20261129T1100Z__r2' },
  ];
  it.each(cases)('$name: deterministic, scoped by backfill, valid for BullMQ', ({ round, fetch }) => {
    const c = chunk(60, T0, T0 + HOUR);
    const id = fetchJobId('bf-20261129T1000Z-abc123', c.id, round);
    expect(id).toBe(fetch);
    expect(loadJobId('bf-20261129T1000Z-abc123', c.id, round)).toBe(`${fetch}__load`);
    expect(id).not.toContain(':');
    expect(/^\d+$/.test(id)).toBe(false);
  });
});

describe('newBackfillId', () => {
  it.each([
    { name: 'minute precision', now: Date.UTC(2026, 10, 29, 19, 30, 45), prefix: 'bf-20261129T1930Z-' },
    { name: 'midnight', now: Date.UTC(2027, 0, 1, 0, 0, 0), prefix: 'bf-20270101T0000Z-' },
  ])('$name: readable, unique, no colon', ({ now, prefix }) => {
    const a = newBackfillId(now);
    const b = newBackfillId(now);
    expect(a.startsWith(prefix)).toBe(true);
    expect(a).toMatch(BACKFILL_ID_PATTERN);
    expect(a).not.toBe(b);
    expect(a).not.toContain(':');
  });
});

describe('compact rows', () => {
  it('round-trips rows exactly, with the fetch time on each', () => {
    const rows = [
      { ts: T0, domain: 'a.example.com', intervalS: 60, value: 0 },
      { ts: T0 + MIN, domain: 'a.example.com', intervalS: 60, value: 2 ** 53 - 1 },
      { ts: T0 + 2 * MIN, domain: 'a.example.com', intervalS: 60, value: 12.5 },
    ];
    const compact = compactRows(rows);
    expect(compact).toEqual([[T0, 60, 0], [T0 + MIN, 60, 2 ** 53 - 1], [T0 + 2 * MIN, 60, 12.5]]);
    expect(expandRows('a.example.com', JSON.parse(JSON.stringify(compact)), T0 + HOUR)).toEqual(rows.map((r) => ({ ...r, fetchedAt: T0 + HOUR })));
  });
});

describe('chunkHasProvisionalSlots', () => {
  // 1-minute tier: a slot is final 1 min + 5 min delay + 25 min revision after its start.
  const c = chunk(60, T0, T0 + HOUR);
  const lastSlotFinalAt = T0 + HOUR - MIN + 31 * MIN;
  it.each([
    { name: 'fetched long after: final', now: T0 + 10 * HOUR, provisional: false },
    { name: 'fetched the instant the last slot is final', now: lastSlotFinalAt, provisional: false },
    { name: 'fetched 1 ms before that', now: lastSlotFinalAt - 1, provisional: true },
    { name: 'fetched right after the chunk ended', now: T0 + HOUR + 6 * MIN, provisional: true },
  ])('$name', ({ now, provisional }) => {
    expect(chunkHasProvisionalSlots(c, DEFAULT_TIERS, now)).toBe(provisional);
  });
  it('an interval the tier table does not know counts as provisional', () => {
    expect(chunkHasProvisionalSlots(chunk(120, T0, T0 + HOUR), DEFAULT_TIERS, T0 + 100 * HOUR)).toBe(true);
  });
  it('5-minute chunk: final 5 min + 15 min delay + 45 min revision after its last slot starts', () => {
    const c5 = chunk(300, T0, T0 + 3 * HOUR);
    const finalAt = T0 + 3 * HOUR - 5 * MIN + 65 * MIN;
    expect(chunkHasProvisionalSlots(c5, DEFAULT_TIERS, finalAt - 1)).toBe(true);
    expect(chunkHasProvisionalSlots(c5, DEFAULT_TIERS, finalAt)).toBe(false);
  });
});

describe('failureCode', () => {
  it.each([
    { name: 'API code kept', err: new ApiError({ apiCode: 'InvalidDomain.NotFound', kind: 'permanent', status: 400 }, 'no such domain'), code: 'InvalidDomain.NotFound' },
    { name: 'transport code kept', err: new ApiError({ apiCode: 'Transport.Reset', kind: 'transient' }, 'socket hang up'), code: 'Transport.Reset' },
    { name: 'invalid response reason', err: new ResponseInvalidError('VALUE_NOT_NUMERIC', 'Value "abc"'), code: 'ResponseInvalid.VALUE_NOT_NUMERIC' },
    { name: 'load failure', err: new LoadError('deadline passed', 0, 10), code: 'CDN_ETL_LOAD_FAILED' },
    { name: 'anything else', err: new TypeError('x is undefined'), code: 'Internal' },
  ])('$name', ({ err, code }) => {
    expect(failureCode(err)).toBe(code);
  });
});

describe('loadBackoffStrategy', () => {
  it.each([
    { attemptsMade: 1, min: 500, max: 1_000 },
    { attemptsMade: 2, min: 1_000, max: 2_000 },
    { attemptsMade: 5, min: 8_000, max: 16_000 },
    { attemptsMade: 7, min: 30_000, max: 60_000 },
    { attemptsMade: 1_499, min: 30_000, max: 60_000 },
  ])('attempt $attemptsMade waits within [$min, $max] ms', ({ attemptsMade, min, max }) => {
    for (let i = 0; i < 50; i++) {
      const wait = loadBackoffStrategy(attemptsMade) as number;
      expect(wait).toBeGreaterThanOrEqual(min);
      expect(wait).toBeLessThanOrEqual(max);
    }
  });
});
