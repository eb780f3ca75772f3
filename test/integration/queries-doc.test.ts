/**
 * Runs every `-- query: <id>` block of docs/QUERIES.md, as written there, against rows loaded for this test
 * alone (unique domains), and checks the exact figures.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;

/** The SQL of each `-- query: id` block of the doc. */
function docQueries(): Map<string, string> {
  const text = readFileSync(new URL('../../docs/QUERIES.md', import.meta.url), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/```sql\n-- query: ([a-z0-9-]+)\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!.trim().replace(/;$/, ''));
  return out;
}

/** The SQL of each `-- literal: id` block: the same query with literals, as pasted into psql. */
function docLiterals(): Map<string, string> {
  const text = readFileSync(new URL('../../docs/QUERIES.md', import.meta.url), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/```sql\n-- literal: ([a-z0-9-]+)\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!.trim().replace(/;$/, ''));
  return out;
}

const MIN = 60_000;
const FIVE = 5 * MIN;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MAR = Date.UTC(2025, 2, 1);
const APR = Date.UTC(2025, 3, 1);
const MAY = Date.UTC(2025, 4, 1);
const APR24 = Date.UTC(2025, 3, 24);
/** The 5-minute slot of A that lacks its third minute (23:57). */
const HOLE_WINDOW = Date.UTC(2025, 3, 30, 23, 55);
const SPIKE = 999_999;
const FETCHED = Date.UTC(2025, 5, 1);

const uid = randomUUID().slice(0, 8);
const suffix = `${uid}.queries-test.example.com`;
const A = `a.${suffix}`;
const B = `b.${suffix}`;
const PATTERN = `%.${suffix}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A's true bandwidth (bit/s) of each 5-minute slot: March 1..8928, April a permutation of 1..8640. */
function aTruth(): { ts: number; v: number }[] {
  const out: { ts: number; v: number }[] = [];
  for (let k = 0; k < 8928; k++) out.push({ ts: MAR + k * FIVE, v: k + 1 });
  for (let j = 0; j < 8640; j++) out.push({ ts: APR + j * FIVE, v: ((j * 7919) % 8640) + 1 });
  return out;
}

function rowsForA(): LoadRow[] {
  const rows: LoadRow[] = [];
  for (const { ts, v } of aTruth()) {
    if (ts < APR24) {
      rows.push({ ts, domain: A, intervalS: 300, value: 300 * v });
      continue;
    }
    for (let m = 0; m < 5; m++) {
      if (ts === HOLE_WINDOW && m === 2) continue;
      rows.push({ ts: ts + m * MIN, domain: A, intervalS: 60, value: 60 * v });
    }
  }
  // The same 5 minutes also archived at 5-minute resolution, with a different value.
  rows.push({ ts: APR24, domain: A, intervalS: 300, value: 300 * SPIKE });
  return rows;
}

function rowsForB(): LoadRow[] {
  const rows: LoadRow[] = [];
  for (let t = MAR; t < MAY; t += HOUR) rows.push({ ts: t, domain: B, intervalS: 3600, value: 36_000 });
  const tenOClock = Date.UTC(2025, 3, 1, 10);
  for (let i = 0; i < 12; i++) rows.push({ ts: tenOClock + i * FIVE, domain: B, intervalS: 300, value: 3_100 });
  return rows;
}

/** A's traffic (bits) per day as the hourly "best" resolution sees it. */
function aDailyBits(day: number): number {
  let bits = 0;
  for (const { ts, v } of aTruth()) if (ts >= day && ts < day + DAY) bits += 300 * v;
  if (day === Date.UTC(2025, 3, 30)) bits -= 60 * aTruth().find((s) => s.ts === HOLE_WINDOW)!.v;
  return bits;
}

function bDailyBits(day: number): number {
  return day === APR ? 864_000 - 36_000 + 12 * 3_100 : 864_000;
}

/** 95th percentile by the billing convention: the month's points, missing ones 0, floor(N * 5%) highest dropped. */
function p95(held: number[], pointsInMonth: number): { points_in_month: number; points_held: number; dropped: number; p95_bps: number; peak_bps: number } {
  const sorted = [...held].sort((x, y) => y - x);
  const dropped = Math.floor((pointsInMonth * 5) / 100);
  return { points_in_month: pointsInMonth, points_held: held.length, dropped, p95_bps: sorted[dropped] ?? 0, peak_bps: sorted[0]! };
}

describe('docs/QUERIES.md against loaded data', () => {
  const queries = docQueries();
  let pg: QuestDbPg;

  beforeAll(async () => {
    pg = new QuestDbPg({ url: PG });
    const loader = await TrafficLoader.create({ questdbHttp: HTTP });
    try {
      await loader.load([...rowsForA(), ...rowsForB()], { fetchedAt: FETCHED });
    } finally {
      await loader.close();
    }
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await pg?.close();
  });

  /** A literal block, as pasted into psql (no parameters), keeping this test's domains only. */
  async function literalRows(id: string): Promise<Record<string, unknown>[]> {
    const rows = await pg.query<Record<string, unknown>>(docLiterals().get(id)!);
    return rows.filter((r) => r.domain === A || r.domain === B);
  }

  it.each([
    ['daily-traffic', [PATTERN, iso(MAR), iso(MAY)], 2 * 61],
    ['month-over-month', [PATTERN, iso(MAR), iso(MAY)], 4],
    ['freshness', [PATTERN], 2],
  ])('the psql form of %s gives what the parametrised form gives', async (id, params, count) => {
    const expected = await pg.query(sql(id), params);
    expect(expected).toHaveLength(count);
    expect(await literalRows(id)).toEqual(expected);
  });

  // The psql forms that name one domain or a domain pattern: the doc's literal name is swapped for this test's
  // own (the shared archive holds other domains); every other literal (times) runs as written.
  it.each([
    ['top-domains', "'%.example.com'", `'${PATTERN}'`, [iso(MAR), iso(MAY), PATTERN], 2],
    ['coverage-daily', "'www.example.com'", `'${A}'`, [A, iso(Date.UTC(2025, 3, 23)), iso(MAY)], 9],
    ['finest-series', "'www.example.com'", `'${A}'`, [A, iso(Date.UTC(2025, 3, 23, 23, 50)), iso(Date.UTC(2025, 3, 24, 0, 10))], 12],
  ] as const)('the psql form of %s gives what the parametrised form gives', async (id, docName, ours, params, count) => {
    const literal = docLiterals().get(id)!;
    expect(literal).toContain(docName);
    expect(literal).not.toMatch(/\$\d/);
    const expected = await pg.query(sql(id), [...params]);
    expect(expected).toHaveLength(count);
    expect(await pg.query(literal.replaceAll(docName, ours))).toEqual(expected);
  });

  function sql(id: string): string {
    const text = queries.get(id);
    if (text === undefined) throw new Error(`docs/QUERIES.md has no block "-- query: ${id}"`);
    return text;
  }

  it('the doc holds exactly the tested queries', () => {
    expect([...queries.keys()].sort()).toEqual(
      ['coverage-daily', 'daily-traffic', 'daily-traffic-zone', 'finest-series', 'freshness', 'month-over-month', 'p95-monthly', 'top-domains'].sort(),
    );
    // Every query has its psql form.
    expect([...docLiterals().keys()].sort()).toEqual([...queries.keys()].sort());
  });

  it('daily-traffic: one row per day and domain, each hour counted once at its best resolution', async () => {
    const rows = await pg.query(sql('daily-traffic'), [PATTERN, iso(MAR), iso(MAY)]);
    const expected = [];
    for (let day = MAR; day < MAY; day += DAY) {
      const a = aDailyBits(day);
      const aFinest = day >= APR24 ? 60 : 300;
      expected.push({ day, domain: A, value: a, gigabytes: a / 1e9, hours: 24, complete_hours: day === Date.UTC(2025, 3, 30) ? 23 : 24, finest_interval_s: aFinest, coarsest_interval_s: aFinest });
      const b = bDailyBits(day);
      expected.push({ day, domain: B, value: b, gigabytes: b / 1e9, hours: 24, complete_hours: 24, finest_interval_s: day === APR ? 300 : 3600, coarsest_interval_s: 3600 });
    }
    expect(rows).toHaveLength(122);
    expect(rows).toEqual(expected);
  });

  it('daily-traffic-zone: local days in Asia/Shanghai, as parameters and as the psql literal', async () => {
    const from = Date.UTC(2025, 2, 2, 16);
    const rows = await pg.query(sql('daily-traffic-zone'), [A, iso(from), iso(from + 2 * DAY), 'Asia/Shanghai']);
    const day = (start: number) => {
      const value = aTruth().filter((s) => s.ts >= start && s.ts < start + DAY).reduce((a, s) => a + 300 * s.v, 0);
      return { day_start: start, domain: A, value, gigabytes: value / 1e9, covered_s: 86_400, hours: 24, complete_hours: 24 };
    };
    expect(rows).toEqual([day(from), day(from + DAY)]);
    const literal = await pg.query<{ domain: string }>(docLiterals().get('daily-traffic-zone')!);
    expect(literal.filter((r) => r.domain === A)).toEqual(rows);
  });

  it('top-domains: ranked by traffic over the period', async () => {
    const rows = await pg.query(sql('top-domains'), [iso(MAR), iso(MAY), PATTERN]);
    let a = 0;
    let b = 0;
    for (let day = MAR; day < MAY; day += DAY) {
      a += aDailyBits(day);
      b += bDailyBits(day);
    }
    expect(rows).toEqual([
      { domain: A, value: a, gigabytes: a / 1e9, hours: 1464 },
      { domain: B, value: b, gigabytes: b / 1e9, hours: 1464 },
    ]);
  });

  it("p95-monthly: the month's 5-minute points in the zone, the top 5 % dropped, the highest left billed", async () => {
    const rows = await pg.query(sql('p95-monthly'), [A, iso(MAR), iso(MAY), 'UTC']);
    const truth = aTruth();
    // bit/s of a point: bytes * 8 / 300, and a slot holds 300 * v bytes.
    const march = truth.filter((s) => s.ts < APR).map((s) => 8 * s.v);
    // April: where all five minutes exist they are the point (the 5-minute row at APR24 says the same time
    // differently and is not used); the bucket missing a minute is no point, so it counts as 0.
    const april = truth.filter((s) => s.ts >= APR && s.ts !== HOLE_WINDOW).map((s) => 8 * s.v);
    expect(p95(march, 8928)).toEqual({ points_in_month: 8928, points_held: 8928, dropped: 446, p95_bps: 8 * 8482, peak_bps: 8 * 8928 });
    expect(rows).toEqual([
      { domain: A, month: '2025-03', month_start: MAR, ...p95(march, 8928) },
      { domain: A, month: '2025-04', month_start: APR, ...p95(april, 8640) },
    ]);
    expect(rows[1]!.points_held).toBe(8639);
  });

  it('p95-monthly in Asia/Shanghai: months start at 16:00 UTC the day before', async () => {
    const rows = await pg.query(sql('p95-monthly'), [A, iso(MAR - 8 * HOUR), iso(MAY - 8 * HOUR), 'Asia/Shanghai']);
    const truth = aTruth().filter((s) => s.ts >= MAR - 8 * HOUR && s.ts < MAY - 8 * HOUR && s.ts !== HOLE_WINDOW);
    const march = truth.filter((s) => s.ts < APR - 8 * HOUR).map((s) => 8 * s.v);
    const april = truth.filter((s) => s.ts >= APR - 8 * HOUR).map((s) => 8 * s.v);
    expect(rows).toEqual([
      { domain: A, month: '2025-03', month_start: MAR - 8 * HOUR, ...p95(march, 8928) },
      { domain: A, month: '2025-04', month_start: APR - 8 * HOUR, ...p95(april, 8640) },
    ]);
    // The psql form with literals (every domain of the archive there, Asia/Shanghai) gives A's rows too.
    const literal = docLiterals().get('p95-monthly')!;
    const all = await pg.query<{ domain: string }>(literal);
    expect(all.filter((r) => r.domain === A)).toEqual(rows);
    // The view does the same for Chinese-mainland billing months; the data's last 8 hours are May there.
    const view = await pg.query('SELECT * FROM cdn_src_traffic_p95_month_cn WHERE domain = $1 ORDER BY month', [A]);
    const may = aTruth().filter((s) => s.ts >= MAY - 8 * HOUR && s.ts !== HOLE_WINDOW).map((s) => 8 * s.v);
    expect(view).toEqual([...rows, { domain: A, month: '2025-05', month_start: MAY - 8 * HOUR, ...p95(may, 8928) }]);
    // 95 points of 8928 held (the bucket missing a minute is one of them): fewer than the 446 dropped, so 0.
    expect(view[2]).toMatchObject({ points_held: 95, p95_bps: 0 });
  });

  it('month-over-month: monthly totals and the change from the month before', async () => {
    const rows = await pg.query(sql('month-over-month'), [PATTERN, iso(MAR), iso(MAY)]);
    const total = (f: (d: number) => number, from: number, to: number): number => {
      let s = 0;
      for (let d = from; d < to; d += DAY) s += f(d);
      return s;
    };
    const [aMar, aApr, bMar, bApr] = [total(aDailyBits, MAR, APR), total(aDailyBits, APR, MAY), total(bDailyBits, MAR, APR), total(bDailyBits, APR, MAY)];
    expect(bMar).toBe(26_784_000);
    expect(bApr).toBe(25_921_200);
    expect(rows).toEqual([
      { month: MAR, domain: A, value: aMar, previous_value: null, change_percent: null },
      { month: APR, domain: A, value: aApr, previous_value: aMar, change_percent: (100.0 * (aApr - aMar)) / aMar },
      { month: MAR, domain: B, value: bMar, previous_value: null, change_percent: null },
      { month: APR, domain: B, value: bApr, previous_value: bMar, change_percent: (100.0 * (bApr - bMar)) / bMar },
    ]);
  });

  it('coverage-daily: slots per day and resolution against a complete day', async () => {
    const raw = await pg.query<{ percent: number }>(sql('coverage-daily'), [A, iso(Date.UTC(2025, 3, 23)), iso(MAY)]);
    // QuestDB's round(x, 1) returns the nearest double (0.30000000000000004): compare to one decimal.
    const rows = raw.map((r) => ({ ...r, percent: Number(r.percent.toFixed(1)) }));
    const d = (day: number): number => Date.UTC(2025, 3, day);
    expect(rows).toEqual([
      { day: d(23), interval_s: 300, slots: 288, expected_slots: 288, percent: 100 },
      { day: d(24), interval_s: 60, slots: 1440, expected_slots: 1440, percent: 100 },
      { day: d(24), interval_s: 300, slots: 1, expected_slots: 288, percent: 0.3 },
      ...[25, 26, 27, 28, 29].map((n) => ({ day: d(n), interval_s: 60, slots: 1440, expected_slots: 1440, percent: 100 })),
      { day: d(30), interval_s: 60, slots: 1439, expected_slots: 1440, percent: 99.9 },
    ]);
  });

  it('finest-series: 1-minute where present, else 5-minute, else hourly', async () => {
    const aRows = await pg.query(sql('finest-series'), [A, iso(Date.UTC(2025, 3, 23, 23, 50)), iso(Date.UTC(2025, 3, 24, 0, 10))]);
    const v = new Map(aTruth().map((s) => [s.ts, s.v]));
    const fiveMin = (ts: number) => ({ ts, interval_s: 300, value: 300 * v.get(ts)!, bps: (300 * v.get(ts)! * 8) / 300 });
    const minute = (ts: number) => {
      const sv = v.get(Math.floor(ts / FIVE) * FIVE)!;
      return { ts, interval_s: 60, value: 60 * sv, bps: (60 * sv * 8) / 60 };
    };
    expect(aRows).toEqual([
      fiveMin(Date.UTC(2025, 3, 23, 23, 50)),
      fiveMin(Date.UTC(2025, 3, 23, 23, 55)),
      ...Array.from({ length: 10 }, (_, i) => minute(APR24 + i * MIN)),
    ]);
    const bRows = await pg.query(sql('finest-series'), [B, iso(Date.UTC(2025, 3, 1, 9)), iso(Date.UTC(2025, 3, 1, 12))]);
    expect(bRows).toEqual([
      { ts: Date.UTC(2025, 3, 1, 9), interval_s: 3600, value: 36_000, bps: 80 },
      ...Array.from({ length: 12 }, (_, i) => ({ ts: Date.UTC(2025, 3, 1, 10) + i * FIVE, interval_s: 300, value: 3_100, bps: (3_100 * 8) / 300 })),
      { ts: Date.UTC(2025, 3, 1, 11), interval_s: 3600, value: 36_000, bps: 80 },
    ]);
  });

  it('freshness: the newest slot of each domain', async () => {
    const rows = await pg.query(sql('freshness'), [PATTERN]);
    expect(rows).toEqual([
      { domain: A, latest_slot: Date.UTC(2025, 3, 30, 23, 59), interval_s: 60, fetched_at: FETCHED },
      { domain: B, latest_slot: Date.UTC(2025, 3, 30, 23), interval_s: 3600, fetched_at: FETCHED },
    ]);
  });
});
