/** Issue 16: a range the API no longer holds says which part is beyond which horizon. */
import { describe, expect, it } from 'vitest';
import { describeHorizons, explainUnavailable, nothingToLoad } from '../../src/plan/horizon-report.js';
import { planBackfill } from '../../src/plan/plan-backfill.js';

const now = Date.UTC(2026, 11, 6, 18, 7);

describe('horizon report', () => {
  it('names every horizon with the instant it reaches back to', () => {
    expect(describeHorizons(now)).toBe('1m data: 7d (since 2026-11-29T18:07Z), 5m data: 93d (since 2026-09-04T18:07Z), 1h data: 186d (since 2026-06-03T18:07Z)');
  });

  it('a range wholly in 2020: nothing to load, the part beyond the oldest horizon named per domain', () => {
    const from = Date.UTC(2020, 0, 1);
    const to = Date.UTC(2020, 1, 1);
    const text = nothingToLoad(planBackfill({ domains: ['a.example.com', 'b.example.com'], from, to, now }), from, to, now);
    expect(text).toBe(
      [
        'nothing of [2020-01-01T00:00Z, 2020-02-01T00:00Z) can be loaded: the API no longer holds it, or does not yet.',
        '  a.example.com [2020-01-01T00:00Z, 2020-02-01T00:00Z): beyond every horizon of the API; the oldest, 1h data, reaches back 186d, to 2026-06-03T18:07Z',
        '  b.example.com [2020-01-01T00:00Z, 2020-02-01T00:00Z): beyond every horizon of the API; the oldest, 1h data, reaches back 186d, to 2026-06-03T18:07Z',
        '  The API keeps 1m data: 7d (since 2026-11-29T18:07Z), 5m data: 93d (since 2026-09-04T18:07Z), 1h data: 186d (since 2026-06-03T18:07Z).',
        '',
      ].join('\n'),
    );
  });

  it('a range partly within the horizon has something to load', () => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2026, 11, 1);
    expect(nothingToLoad(planBackfill({ domains: ['a.example.com'], from, to, now }), from, to, now)).toBeUndefined();
  });

  it('a part not yet published says when it will be', () => {
    expect(explainUnavailable({ domain: 'a.example.com', start: now - 120_000, end: now, reason: 'not-yet-available' }, now)).toBe(
      'a.example.com [2026-12-06T18:05Z, 2026-12-06T18:07Z): not published yet (1m data appears 5m after its slot ends)',
    );
  });
});
