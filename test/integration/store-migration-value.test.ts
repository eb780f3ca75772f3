/**
 * Migrations 004-006 on an archive made by the schema of 001-003 (column `bits`, the old rollups and views): no row
 * lost, every raw and rollup figure identical before and after, and the daily best figure identical except where
 * the old view lost the 1m/5m seam, where it now holds the full day.
 *
 * The real migration files run, with every relation name given a unique prefix (`cdn_src_traffic` -> `mv_<id>_traffic`,
 * `cdn_etl_value_unit` -> `mv_<id>_unit`), so the shared tables are never touched; the test drops its own at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { defaultMigrationsDir, readMigrationFiles, runMigrations } from '../../src/store/migrations-runner.js';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { recordValueUnit } from '../../src/store/value-unit.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2025, 5, 1);
const SEAM = Date.UTC(2025, 5, 4, 10, 50);

const id = randomUUID().slice(0, 8);
const P = `mv_${id}`;
const T = `${P}_traffic`;
const history = `${P}_history`;
const A = `a.${id}.migration-test.example.com`;
const B = `b.${id}.migration-test.example.com`;

const rename = (sql: string): string => sql.replaceAll('cdn_src_traffic', T).replaceAll('cdn_etl_value_unit', `${P}_unit`);
const minute = (ts: number): number => 50_000 + (((ts / MIN) * 7_919) % 30_000);
const sumMinutes = (from: number, n: number): number => Array.from({ length: n }, (_, i) => minute(from + i * MIN)).reduce((a, b) => a + b, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

/** A: hourly on D0, 5-minute from D1 to the seam, 1-minute from the seam to the end of D3; B: 5-minute on D1, D2. */
function archive(): [number, string, number, number][] {
  const rows: [number, string, number, number][] = [];
  for (let t = D0; t < D0 + DAY; t += HOUR) rows.push([t, A, 3600, sumMinutes(t, 60)]);
  for (let t = D0 + DAY; t < SEAM; t += 5 * MIN) rows.push([t, A, 300, sumMinutes(t, 5)]);
  for (let t = SEAM; t < D0 + 4 * DAY; t += MIN) rows.push([t, A, 60, minute(t)]);
  for (let t = D0 + DAY; t < D0 + 3 * DAY; t += 5 * MIN) rows.push([t, B, 300, sumMinutes(t, 5)]);
  return rows;
}

function migrationsDir(upTo: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdn-etl-mv-'));
  for (const f of readMigrationFiles(defaultMigrationsDir())) {
    if (Number(f.name.slice(0, 3)) <= upTo) writeFileSync(join(dir, f.name), rename(f.sql));
  }
  return dir;
}

async function figures(col: 'bits' | 'value'): Promise<Record<string, unknown>> {
  const q = async (sql: string) => rowsAsObjects(await execSql(HTTP, sql));
  return {
    rows: await q(`SELECT domain, interval_s, count() n, sum(${col}) total, min(ts) first, max(ts) last FROM ${T} GROUP BY domain, interval_s ORDER BY domain, interval_s`),
    hourly: await q(`SELECT ts, domain, interval_s, ${col} total, max_${col} peak, slots FROM ${T}_1h ORDER BY ts, domain, interval_s`),
    daily: await q(`SELECT ts, domain, interval_s, ${col} total, max_${col} peak, slots FROM ${T}_1d ORDER BY ts, domain, interval_s`),
  };
}

describe('migrating an archive of the bits schema to value (004-006)', () => {
  const dirs: string[] = [];
  let before: Record<string, unknown>;
  let bestBefore: Record<string, unknown>[];
  let applied: string[];

  beforeAll(async () => {
    const old = migrationsDir(3);
    dirs.push(old);
    await runMigrations({ questdbHttp: HTTP, dir: old, historyTable: history });
    const rows = archive();
    for (let i = 0; i < rows.length; i += 100) {
      const values = rows.slice(i, i + 100).map(([ts, d, s, v]) => `('${iso(ts)}', '${d}', ${s}, ${v}, '2025-07-01T00:00:00.000Z')`);
      await execSql(HTTP, `INSERT INTO ${T} (ts, domain, interval_s, bits, fetched_at) VALUES ${values.join(', ')}`);
    }
    await waitForRollups(HTTP, { views: [`${T}_1h`, `${T}_1d`], baseTable: T, timeoutMs: 120_000 });
    before = await figures('bits');
    bestBefore = rowsAsObjects(await execSql(HTTP, `SELECT ts, domain, bits, complete_hours FROM ${T}_1d_best ORDER BY domain, ts`));

    const all = migrationsDir(999);
    dirs.push(all);
    applied = (await runMigrations({ questdbHttp: HTTP, dir: all, historyTable: history })).applied;
    await recordValueUnit(HTTP, 'byte', { table: `${P}_unit` });
    await waitForRollups(HTTP, { views: [`${T}_5m`, `${T}_1h`, `${T}_1d`], baseTable: T, timeoutMs: 120_000 });
  });

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const v of [`${T}_p95_month_cn`, `${T}_1d_best`, `${T}_1h_best`, `${T}_5m_best`, `${T}_5m_pick`]) await execSql(HTTP, `DROP VIEW IF EXISTS ${v}`);
    for (const v of [`${T}_5m`, `${T}_1h`, `${T}_1d`]) await execSql(HTTP, `DROP MATERIALIZED VIEW IF EXISTS ${v}`);
    for (const t of [T, `${P}_unit`, history]) await execSql(HTTP, `DROP TABLE IF EXISTS ${t}`);
  });

  it('applies exactly the new migrations and renames the column', async () => {
    expect(applied).toEqual(readMigrationFiles(defaultMigrationsDir()).map((f) => f.name).filter((n) => Number(n.slice(0, 3)) >= 4));
    const columns = rowsAsObjects(await execSql(HTTP, `SHOW COLUMNS FROM ${T}`)).map((c) => `${String(c.column)} ${String(c.type)}`);
    expect(columns).toEqual(['ts TIMESTAMP', 'domain SYMBOL', 'interval_s INT', 'value DOUBLE', 'fetched_at TIMESTAMP']);
  });

  it('no row lost and every raw and rollup figure identical', async () => {
    const after = await figures('value');
    console.table((before.rows as Record<string, unknown>[]).map((r, i) => ({ ...r, total_after: (after.rows as Record<string, unknown>[])[i]!.total })));
    expect(before.rows).toHaveLength(4);
    expect((before.rows as { n: number }[]).reduce((a, r) => a + r.n, 0)).toBe(archive().length);
    expect(after).toEqual(before);
  });

  it('daily best: identical on every day without a seam; the seam day now holds its full traffic', async () => {
    const bestAfter = rowsAsObjects(await execSql(HTTP, `SELECT ts, domain, value, complete_hours FROM ${T}_1d_best ORDER BY domain, ts`));
    const seamDay = iso(D0 + 3 * DAY).replace('.000Z', '.000000Z');
    const table = bestBefore.map((b, i) => ({ day: String(b.ts).slice(0, 10), domain: String(b.domain).slice(0, 1), before: b.bits, after: bestAfter[i]!.value, hours_before: b.complete_hours, hours_after: bestAfter[i]!.complete_hours }));
    console.table(table);
    expect(bestAfter.map((r) => [r.ts, r.domain])).toEqual(bestBefore.map((r) => [r.ts, r.domain]));
    for (let i = 0; i < bestBefore.length; i++) {
      const b = bestBefore[i]!;
      const a = bestAfter[i]!;
      if (b.ts === seamDay && b.domain === A) {
        // The old view took the 5-minute rows of 10:00-10:45 for that hour and dropped its 1-minute :50-:59.
        expect(a).toEqual({ ts: seamDay, domain: A, value: sumMinutes(D0 + 3 * DAY, 24 * 60), complete_hours: 24 });
        expect(b).toEqual({ ts: seamDay, domain: A, bits: sumMinutes(D0 + 3 * DAY, 24 * 60) - sumMinutes(SEAM, 10), complete_hours: 23 });
      } else {
        expect({ ts: a.ts, domain: a.domain, value: a.value, complete_hours: a.complete_hours }).toEqual({ ts: b.ts, domain: b.domain, value: b.bits, complete_hours: b.complete_hours });
      }
    }
  });

  it('running the migrations again changes nothing', async () => {
    const all = migrationsDir(999);
    dirs.push(all);
    const again = await runMigrations({ questdbHttp: HTTP, dir: all, historyTable: history });
    expect(again.applied).toEqual([]);
    expect(await figures('value')).toEqual(before);
    expect(readFileSync(join(all, '004_rename_bits_to_value.sql'), 'utf8')).toContain(`ALTER TABLE ${T} RENAME COLUMN bits TO value`);
  });
});

describe('a fresh database: migrations 001-006 in one run', () => {
  const id2 = randomUUID().slice(0, 8);
  const P2 = `mf_${id2}`;
  const T2 = `${P2}_traffic`;
  const rename2 = (sql: string): string => sql.replaceAll('cdn_src_traffic', T2).replaceAll('cdn_etl_value_unit', `${P2}_unit`);
  let dir: string;

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const v of [`${T2}_p95_month_cn`, `${T2}_1d_best`, `${T2}_1h_best`, `${T2}_5m_best`, `${T2}_5m_pick`]) await execSql(HTTP, `DROP VIEW IF EXISTS ${v}`);
    for (const v of [`${T2}_5m`, `${T2}_1h`, `${T2}_1d`]) await execSql(HTTP, `DROP MATERIALIZED VIEW IF EXISTS ${v}`);
    for (const t of [T2, `${P2}_unit`, `${P2}_history`]) await execSql(HTTP, `DROP TABLE IF EXISTS ${t}`);
  });

  it('applies every file, and the views answer in bytes after the unit is recorded', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdn-etl-mf-'));
    const files = readMigrationFiles(defaultMigrationsDir());
    for (const f of files) writeFileSync(join(dir, f.name), rename2(f.sql));
    const { applied } = await runMigrations({ questdbHttp: HTTP, dir, historyTable: `${P2}_history` });
    expect(applied).toEqual(files.map((f) => f.name));
    await recordValueUnit(HTTP, 'bit', { table: `${P2}_unit` });
    await execSql(HTTP, `INSERT INTO ${T2} (ts, domain, interval_s, value, fetched_at) VALUES ('2025-06-01T00:00:00.000Z', 'x', 3600, 8000, '2025-07-01T00:00:00.000Z')`);
    await waitForRollups(HTTP, { views: [`${T2}_5m`, `${T2}_1h`, `${T2}_1d`], baseTable: T2, timeoutMs: 120_000 });
    // Recorded as bit: 8000 bits are 1000 bytes, 8000 bit over the hour.
    expect(rowsAsObjects(await execSql(HTTP, `SELECT value, bytes, avg_bps, covered_s, complete FROM ${T2}_1h_best`))).toEqual([{ value: 8000, bytes: 1000, avg_bps: 8000 / 3600, covered_s: 3600, complete: true }]);
  });
});
