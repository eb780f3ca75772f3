import { describe, expect, it } from 'vitest';
import { parseUtcTimestamp } from '../../src/store/questdb-pg.js';

describe('parseUtcTimestamp', () => {
  const cases: { name: string; text: string; expected: number }[] = [
    { name: 'PG text form, no zone, is UTC', text: '2026-01-02 03:04:05', expected: Date.UTC(2026, 0, 2, 3, 4, 5) },
    { name: 'milliseconds kept', text: '2026-01-02 03:04:05.678', expected: Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
    { name: 'microseconds truncated to milliseconds', text: '2026-01-02 03:04:05.678901', expected: Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
    { name: 'ISO with Z', text: '2026-01-02T03:04:05.001Z', expected: Date.UTC(2026, 0, 2, 3, 4, 5, 1) },
    { name: 'explicit offset honoured', text: '2026-01-02 03:04:05+02:00', expected: Date.UTC(2026, 0, 2, 1, 4, 5) },
    { name: 'epoch', text: '1970-01-01 00:00:00', expected: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseUtcTimestamp(c.text)).toBe(c.expected);
    });
  }
  it('refuses garbage with a QueryError', () => {
    expect(() => parseUtcTimestamp('yesterday')).toThrowError(expect.objectContaining({ code: 'CDN_ETL_QUERY_FAILED' }));
  });
});
