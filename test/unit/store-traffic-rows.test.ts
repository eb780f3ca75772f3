import { describe, expect, it } from 'vitest';
import { assertLoadableRows, findInvalidRow, type LoadRow } from '../../src/store/traffic-rows.js';

const ok: LoadRow = { ts: Date.UTC(2026, 0, 1), domain: 'a.example.com', intervalS: 300, value: 12 };

describe('findInvalidRow', () => {
  const cases: { name: string; rows: unknown[]; expected: { index: number; reason: RegExp } | undefined }[] = [
    { name: 'no rows', rows: [], expected: undefined },
    { name: 'good rows', rows: [ok, { ...ok, value: 0.5, fetchedAt: 1 }, { ...ok, value: 2 ** 53 }], expected: undefined },
    { name: 'fractional ts', rows: [ok, { ...ok, ts: 1.5 }], expected: { index: 1, reason: /^ts / } },
    { name: 'ts as string', rows: [{ ...ok, ts: '2026-01-01' }], expected: { index: 0, reason: /^ts / } },
    { name: 'empty domain', rows: [{ ...ok, domain: '' }], expected: { index: 0, reason: /^domain / } },
    { name: 'domain with newline', rows: [{ ...ok, domain: 'a\nb' }], expected: { index: 0, reason: /^domain / } },
    { name: 'zero interval', rows: [{ ...ok, intervalS: 0 }], expected: { index: 0, reason: /^intervalS / } },
    { name: 'fractional interval', rows: [{ ...ok, intervalS: 60.5 }], expected: { index: 0, reason: /^intervalS / } },
    { name: 'NaN value', rows: [{ ...ok, value: Number.NaN }], expected: { index: 0, reason: /^value / } },
    { name: 'infinite value', rows: [{ ...ok, value: Number.POSITIVE_INFINITY }], expected: { index: 0, reason: /^value / } },
    { name: 'value as string', rows: [{ ...ok, value: '12' }], expected: { index: 0, reason: /^value / } },
    { name: 'fractional fetchedAt', rows: [{ ...ok, fetchedAt: 0.1 }], expected: { index: 0, reason: /^fetchedAt / } },
    { name: 'null row', rows: [ok, ok, null], expected: { index: 2, reason: /^not an object$/ } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = findInvalidRow(c.rows as LoadRow[]);
      if (c.expected === undefined) expect(found).toBeUndefined();
      else expect(found).toEqual({ index: c.expected.index, reason: expect.stringMatching(c.expected.reason) });
    });
  }
  it('assertLoadableRows names the row', () => {
    expect(() => assertLoadableRows([ok, { ...ok, value: Number.NaN }])).toThrowError(
      expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT', message: expect.stringMatching(/^rows: row 1: value /) }),
    );
  });
});
