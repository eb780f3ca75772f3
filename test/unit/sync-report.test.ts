/** Issue 16: a first sync says it starts now and prints the backfill command for the history the API still has. */
import { describe, expect, it } from 'vitest';
import { formatPassReport } from '../../src/sync/sync-report.js';
import type { SyncPassReport } from '../../src/sync/sync-pass.js';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';

const now = Date.UTC(2026, 11, 6, 18, 7);
const summary = {
  total: 0,
  done: 0,
  rows: 0,
  calls: 0,
  throttles: 0,
  counts: { pending: 0, fetching: 0, loading: 0, loaded: 0, empty: 0, failed: 0, replanned: 0 },
} as unknown as BackfillSummary;

function report(over: Partial<SyncPassReport>): SyncPassReport {
  return { id: 'sync-20261206T1807Z-abc123', plannedAt: now, domains: ['a.example.com', 'b.example.com'], newDomains: [], skipped: [], ranges: [], coarse: [], unavailable: [], summary, failures: [], watermarks: [], state: 'done', ...over };
}

describe('formatPassReport', () => {
  it('first pass without --since: says where the sync starts and prints the backfill command for the older history', () => {
    const start = Date.UTC(2026, 11, 6, 18, 0);
    const text = formatPassReport(
      report({
        newDomains: ['a.example.com', 'b.example.com'],
        watermarks: [
          { domain: 'a.example.com', before: start, after: start },
          { domain: 'b.example.com', before: start, after: start },
        ],
      }),
    );
    expect(text.split('\n').slice(1)).toEqual([
      '  new domain(s): a.example.com, b.example.com',
      '  the sync of a.example.com, b.example.com starts at 2026-12-06T18:00Z; the API still holds the history before it, back to 2026-06-03T20:00Z:',
      '    cdn-etl backfill --domains a.example.com,b.example.com --from 2026-06-03T20:00Z --to 2026-12-06T18:00Z',
      '  watermark a.example.com: 2026-12-06T18:00Z (unchanged)',
      '  watermark b.example.com: 2026-12-06T18:00Z (unchanged)',
      '',
    ]);
  });

  it('a new domain whose --since is beyond every horizon gets no hint (nothing older to backfill)', () => {
    const since = Date.UTC(2026, 0, 1);
    const text = formatPassReport(report({ newDomains: ['a.example.com'], watermarks: [{ domain: 'a.example.com', before: since, after: since }] }));
    expect(text).not.toContain('cdn-etl backfill');
  });

  it('failed chunks: never cut, the code once', () => {
    const message = `Throttling.User: Request was denied due to user flow control. (HTTP 400, RequestId ${'8'.repeat(200)})`;
    const chunk = { id: 'x', domain: 'a.example.com', intervalS: 60, start: now - 3_600_000, end: now, callStart: 0, callEnd: 0 };
    const text = formatPassReport(report({ failures: [{ chunk, code: 'Throttling.User', message, at: 0 }] }));
    expect(text).toContain(`  failed: a.example.com [2026-12-06T17:07Z, 2026-12-06T18:07Z) 60s  Throttling.User  Request was denied due to user flow control. (HTTP 400, RequestId ${'8'.repeat(200)})\n`);
  });
});
