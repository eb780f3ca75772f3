/**
 * The Grafana dashboard's QuestDB queries run on the real QuestDB, with Grafana's macros expanded the way the
 * PostgreSQL data source expands them, and return the columns the panels expect for rows loaded here.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const DOMAIN = `d.${randomUUID().slice(0, 8)}.dashboard-test.example.com`;
const T0 = Date.UTC(2025, 0, 15);

interface Target {
  rawSql?: string;
  datasource: { uid: string };
}

const dashboard = JSON.parse(readFileSync(new URL('../../grafana/dashboards/cdn-etl-traffic.json', import.meta.url), 'utf8')) as {
  panels: { title: string; targets: Target[] }[];
  templating: { list: { query: string }[] };
};

/** $__timeFilter(col) and $domain as Grafana's PostgreSQL data source writes them. */
function expand(sql: string): string {
  return sql
    .replace(/\$__timeFilter\((\w+)\)/g, "$1 BETWEEN '2025-01-15T00:00:00Z' AND '2025-01-17T00:00:00Z'")
    .replace(/\$domain\b/g, `'${DOMAIN}'`);
}

describe('Grafana dashboard queries on QuestDB', () => {
  beforeAll(async () => {
    const loader = await TrafficLoader.create({ questdbHttp: HTTP });
    try {
      // One day of 5-minute data, 2 Mbit/s flat: 75 MB per 5 minutes (the test installation's unit is byte).
      await loader.load(Array.from({ length: 288 }, (_, i) => ({ ts: T0 + i * 300_000, domain: DOMAIN, intervalS: 300, value: 75_000_000 })), { fetchedAt: Date.UTC(2025, 1, 1) });
    } finally {
      await loader.close();
    }
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
  });

  const sqlPanels = dashboard.panels.flatMap((p) => p.targets.filter((t) => t.datasource.uid === 'questdb').map((t) => ({ title: p.title, sql: expand(t.rawSql!) })));

  it('traffic per domain: 24 hourly points of 2 Mbit/s', async () => {
    const panel = sqlPanels.find((p) => p.title.startsWith('Traffic per domain'))!;
    const rows = rowsAsObjects(await execSql(HTTP, panel.sql));
    expect(rows).toHaveLength(24);
    expect(rows[0]).toEqual({ time: '2025-01-15T00:00:00.000000Z', metric: DOMAIN, bps: 2_000_000 });
  });

  it('daily traffic: one bar of 288 x 75 MB', async () => {
    const panel = sqlPanels.find((p) => p.title.startsWith('Daily traffic'))!;
    expect(rowsAsObjects(await execSql(HTTP, panel.sql))).toEqual([{ time: '2025-01-15T00:00:00.000000Z', metric: DOMAIN, bytes: 288 * 75_000_000 }]);
  });

  it('freshness: the newest slot of the domain', async () => {
    const panel = sqlPanels.find((p) => p.title.startsWith('Freshness'))!;
    const [row] = rowsAsObjects(await execSql(HTTP, panel.sql));
    expect({ domain: row!.domain, latest_slot: row!.latest_slot, interval_s: row!.interval_s }).toEqual({ domain: DOMAIN, latest_slot: '2025-01-15T23:55:00.000000Z', interval_s: 300 });
  });

  it('coverage: the day complete at 5 minutes', async () => {
    const panel = sqlPanels.find((p) => p.title.startsWith('Coverage'))!;
    expect(rowsAsObjects(await execSql(HTTP, panel.sql))).toEqual([{ time: '2025-01-15T00:00:00.000000Z', metric: `${DOMAIN} @ 300 s`, percent: 100 }]);
  });

  it('the domain variable lists the domain', async () => {
    const names = rowsAsObjects(await execSql(HTTP, dashboard.templating.list[0]!.query)).map((r) => r.domain);
    expect(names).toContain(DOMAIN);
  });
});
