import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CdnEtlMetrics } from '../../src/ops/metrics.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Every metric name the exposition can contain: TYPE names plus histogram series suffixes. */
async function exposedNames(): Promise<Set<string>> {
  const m = new CdnEtlMetrics();
  m.recordApiCall({ action: 'A', outcome: 'ok', durationMs: 1 });
  m.recordLoadFlush({ rows: 1, outcome: 'ok', durationMs: 1 });
  const names = new Set<string>();
  for (const line of (await m.text()).split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!type) continue;
    names.add(type[1]!);
    if (type[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(type[1]! + s);
  }
  return names;
}

describe('prometheus/alerts.yml', () => {
  const alerts = read('prometheus/alerts.yml');

  it('uses only metric names cdn-etl exposes', async () => {
    const names = await exposedNames();
    const used = [...new Set([...alerts.matchAll(/\bcdn_etl_[a-z0-9_]+/g)].map((m) => m[0]))];
    expect(used.length).toBeGreaterThanOrEqual(10);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });

  it('gives every rule an expression, a severity and a summary, with unique names', () => {
    const names = [...alerts.matchAll(/^ {6}- alert: (\S+)$/gm)].map((m) => m[1]!);
    expect(names.length).toBe(15);
    expect(new Set(names).size).toBe(names.length);
    const blocks = alerts.split(/^ {6}- alert: /m).slice(1);
    for (const block of blocks) {
      expect(block, block.split('\n')[0]).toMatch(/^ {8}expr: \S/m);
      expect(block, block.split('\n')[0]).toMatch(/^ {10}severity: (critical|warning|info)$/m);
      expect(block, block.split('\n')[0]).toMatch(/^ {10}summary: "/m);
    }
  });

  it('is loaded by prometheus/prometheus.yml', () => {
    expect(read('prometheus/prometheus.yml')).toMatch(/^rule_files:\n {2}- alerts\.yml$/m);
  });

  it('is explained rule by rule in docs/OPERATIONS.md', () => {
    const doc = read('docs/OPERATIONS.md');
    for (const m of alerts.matchAll(/^ {6}- alert: (\S+)$/gm)) expect(doc, m[1]).toContain(m[1]!);
  });
});
