import { describe, expect, it } from 'vitest';
import { buildReportModel, type BucketRow } from '../../src/report/coverage-map.js';
import { escapeHtml } from '../../src/report/html-escape.js';
import { renderReportHtml } from '../../src/report/render-html.js';
import { gapRanges, renderReportText } from '../../src/report/render-text.js';
import { formatBandwidth, formatInterval, formatTraffic } from '../../src/report/report-format.js';
import { reportSql, queryReportRows } from '../../src/report/report-query.js';
import type { SqlReader } from '../../src/store/questdb-pg.js';

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 1);
const NOW = Date.UTC(2025, 6, 1);

function model(domains = ['a.com']) {
  const rows: BucketRow[] = [
    { ts: T0, domain: domains[0]!, intervalS: 300, slots: 12, value: 3_600_000_000, provisional: 0 },
    { ts: T0 + 3 * H, domain: domains[0]!, intervalS: 300, slots: 12, value: 1_800_000_000, provisional: 2 },
  ];
  return buildReportModel({ domains, from: T0, to: T0 + 4 * H, rows, now: NOW });
}

describe('escapeHtml', () => {
  const cases = [
    ['plain', 'a.example.com', 'a.example.com'],
    ['markup', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['quotes and ampersand', `"it's" & more`, '&quot;it&#39;s&quot; &amp; more'],
  ] as const;
  for (const [name, input, out] of cases) it(name, () => expect(escapeHtml(input)).toBe(out));
});

describe('formats', () => {
  const cases: [string, string, string][] = [
    ['bytes', formatTraffic(1), '1 B'],
    ['decimal gigabytes', formatTraffic(1.5e9), '1.50 GB'],
    ['bandwidth', formatBandwidth(2_500_000), '2.50 Mbit/s'],
    ['1 minute', formatInterval(60), '1 min'],
    ['5 minutes', formatInterval(300), '5 min'],
    ['1 hour', formatInterval(3600), '1 h'],
  ];
  for (const [name, got, want] of cases) it(name, () => expect(got).toBe(want));
});

describe('renderReportText', () => {
  it('names the range, each domain, its counts and its gaps', () => {
    expect(renderReportText(model())).toBe(
      [
        'cdn-etl report: 1 domain(s), 2025-06-01T00:00Z .. 2025-06-01T04:00Z (UTC, hourly cells)',
        '',
        'a.com',
        '  traffic 5.40 GB (5400000000 bytes), peak hourly average 8.00 Mbit/s',
        '  hourly cells: 1 complete, 1 provisional, 0 partial, 2 missing, 0 future',
        '  resolution used: 5 min x2',
        '  missing 2025-06-01T01:00Z .. 2025-06-01T03:00Z',
        '',
      ].join('\n'),
    );
  });

  it('merges consecutive gaps of one kind', () => {
    const cells = model().domains[0]!.cells;
    expect(gapRanges(cells)).toEqual([{ start: T0 + H, end: T0 + 3 * H, status: 'missing' }]);
  });
});

describe('renderReportHtml', () => {
  it('is self-contained: no external script, stylesheet, image or font', () => {
    const html = renderReportHtml(model());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=/i);
    // The only URL is the SVG namespace, which is a name, never fetched.
    expect(html.match(/https?:\/\/[^"]+/g)).toEqual(['http://www.w3.org/2000/svg', 'http://www.w3.org/2000/svg']);
  });

  it('draws one point per archived cell and one coverage rect per cell', () => {
    const html = renderReportHtml(model());
    expect(html.match(/<circle class="point"/g)).toHaveLength(2);
    expect(html.match(/<rect class="cell" data-status="missing"/g)).toHaveLength(2);
    expect(html.match(/<rect class="cell" data-status="provisional"/g)).toHaveLength(1);
  });

  it('escapes every domain it writes (a hostile name cannot inject markup)', () => {
    const evil = '<img src=x onerror=alert(1)>"\'&';
    const html = renderReportHtml(model([evil]));
    expect(html).not.toContain(evil);
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(evil));
  });
});

describe('queryReportRows', () => {
  it('binds every value: one query per tier with the tier\'s final age, the range and the domains', async () => {
    const calls: { sql: string; params: readonly unknown[] }[] = [];
    const reader: SqlReader = {
      async query<R>(sql: string, params: readonly unknown[] = []) {
        calls.push({ sql, params });
        return [{ ts: T0, domain: 'a.com', interval_s: params[1], slots: 1, value: 5, provisional: 0 }] as R[];
      },
    };
    const rows = await queryReportRows(reader, { domains: ['a.com', "b'.com"], from: T0, to: T0 + H, bucket: 'hour' });
    expect(calls.map((c) => c.params)).toEqual([
      [(60_000 + 5 * 60_000 + 25 * 60_000) * 1000, 60, '2025-06-01T00:00:00.000Z', '2025-06-01T01:00:00.000Z', 'a.com', "b'.com"],
      [(300_000 + 15 * 60_000 + 45 * 60_000) * 1000, 300, '2025-06-01T00:00:00.000Z', '2025-06-01T01:00:00.000Z', 'a.com', "b'.com"],
      [(3_600_000 + 4 * H + 2 * H) * 1000, 3600, '2025-06-01T00:00:00.000Z', '2025-06-01T01:00:00.000Z', 'a.com', "b'.com"],
    ]);
    expect(calls[0]!.sql).toBe(reportSql(2, 'hour'));
    expect(calls[0]!.sql).not.toContain('a.com');
    expect(calls[0]!.sql).toContain('domain IN ($5, $6)');
    expect(rows.map((r) => r.intervalS)).toEqual([60, 300, 3600]);
  });
});
