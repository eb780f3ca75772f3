/**
 * Issue 13, the pure parts of the cursor: a backfill's chunks are (plan templates) x (domains), walked in the
 * planner's order of urgency; the same chunks planBackfill lists, computed position by position. Also the reach of
 * permanent errors and the place of a chunk on the shared quota.
 */
import { describe, expect, it } from 'vitest';
import { errorScope } from '../../src/aliyun/classify-error.js';
import { DEFAULT_TIERS } from '../../src/aliyun/tiers.js';
import { gridSlice } from '../../src/pipeline/chunk-source.js';
import { PRIORITY, priorityOf } from '../../src/pipeline/pipeline-jobs.js';
import { planBackfill, planTemplates } from '../../src/plan/plan-backfill.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 6, 12, 7, 30);

describe('grid cursor', () => {
  const domains = ['a.example.com', 'b.example.com', 'c.example.com'];
  const range = { from: NOW - 200 * DAY, to: NOW, now: NOW };

  it('holds exactly the chunks planBackfill lists, each once, whatever the slices', () => {
    const { templates, unavailable } = planTemplates(range);
    const size = templates.length * domains.length;
    const walked = [...gridSlice(templates, domains, 0, 7), ...gridSlice(templates, domains, 7, 500), ...gridSlice(templates, domains, 507, size)];
    const plan = planBackfill({ ...range, domains });
    expect(walked.length).toBe(size);
    expect(new Set(walked.map((c) => c.id)).size).toBe(size);
    expect([...walked].sort((x, y) => x.id.localeCompare(y.id))).toEqual([...plan.chunks].sort((x, y) => x.id.localeCompare(y.id)));
    // The parts no tier holds are the same for every domain.
    expect(plan.unavailable).toEqual(domains.flatMap((domain) => unavailable.map((u) => ({ domain, ...u }))).sort((x, y) => x.domain.localeCompare(y.domain) || x.start - y.start));
    expect(gridSlice(templates, domains, size, 10)).toEqual([]);
  });

  it('walks the most urgent calls first, for every domain before the next template', () => {
    const { templates } = planTemplates(range);
    const first = gridSlice(templates, domains, 0, 6);
    expect(first.map((c) => c.domain)).toEqual([...domains, ...domains]);
    const deadline = (c: (typeof first)[number]): number => c.callStart + DEFAULT_TIERS.find((t) => t.intervalS === c.intervalS)!.historyMs;
    const all = gridSlice(templates, domains, 0, templates.length * domains.length).map(deadline);
    expect(all).toEqual([...all].sort((x, y) => x - y));
  });

  it('is a few hundred templates for 186 days, whatever the number of domains', () => {
    const { templates } = planTemplates({ from: NOW - 186 * DAY, to: NOW, now: NOW });
    // 1-minute calls of one hour for 7 days, 3-day 5-minute calls for 93 days, 31-day hourly calls for 186 days.
    expect(templates.length).toBeGreaterThan(190);
    expect(templates.length).toBeLessThan(215);
  });
});

describe('the reach of a permanent error (errorScope)', () => {
  it.each([
    ['InvalidDomain.NotFound', 'domain'],
    ['InvalidDomain.Offline', 'domain'],
    ['InvalidDomain.Configure_failed', 'domain'],
    ['IllegalOperation', 'domain'],
    ['SignatureDoesNotMatch', 'account'],
    ['InvalidAccessKeyId.NotFound', 'account'],
    ['OperationDenied', 'account'],
    ['InvalidTimeStamp.Expired', 'account'],
    ['InvalidStartTime.ValueNotSupported', 'chunk'],
    ['InvalidEndTime.Mismatch', 'chunk'],
    ['Throttling', 'chunk'],
  ])('%s reaches the %s', (code, scope) => {
    expect(errorScope(code)).toBe(scope);
  });
});

describe('place on the shared quota (priorityOf)', () => {
  const chunk = (callStart: number, intervalS = 60) => ({ id: 'x', domain: 'a.example.com', intervalS, start: callStart, end: callStart + HOUR, callStart, callEnd: callStart + HOUR - 60_000 });
  it.each([
    ['a sync chunk', 'sync', chunk(NOW - HOUR), PRIORITY.sync],
    ['an audit chunk', 'audit', chunk(NOW - 6 * DAY - 12 * HOUR), PRIORITY.audit],
    ['a backfill chunk that leaves the API within a day', 'backfill', chunk(NOW - 6 * DAY - 12 * HOUR), PRIORITY.deadline],
    ['a backfill chunk with days left', 'backfill', chunk(NOW - 2 * DAY), PRIORITY.backfill],
    ['an hourly chunk near its 186-day horizon', 'backfill', chunk(NOW - 185.5 * DAY, 3600), PRIORITY.deadline],
  ] as const)('%s', (_name, workClass, c, priority) => {
    expect(priorityOf(workClass, c, DEFAULT_TIERS, NOW)).toBe(priority);
  });
  it('serves sync before deadline-near before bulk before audits', () => {
    expect([PRIORITY.sync, PRIORITY.deadline, PRIORITY.backfill, PRIORITY.audit]).toEqual([1, 2, 3, 4]);
  });
});
