/**
 * The rollups and the best views of migration 005, against the real QuestDB.
 *
 * The fixture is one minute-level truth per domain, and every archived slot is the API's view of it: a
 * 5-minute slot is the exact sum of its five minutes, an hourly slot the sum of its sixty, as the API
 * answers. So whatever resolutions an hour mixes, its true traffic is the sum of its minutes, and the
 * best views must give exactly that (or, for an hour not fully covered, exactly what is covered).
 * Every seam kind has its own hour: 1m/5m (the backfill horizon seam), 1m inside 5m, 5m/1h, partial
 * hours, a partial 5-minute bucket, catch-up after an outage, hourly only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY0 = Date.UTC(2025, 1, 10);

const uid = randomUUID().slice(0, 8);
const X = `x.${uid}.rollups-test.example.com`;
const Y = `y.${uid}.rollups-test.example.com`;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Bytes in the minute starting at `ts` (the installation unit in tests is byte): distinct integers. */
function minute(ts: number): number {
  const m = ts / MIN;
  return 60_000 + ((m * 7_919) % 40_000);
}
const sumMinutes = (from: number, count: number): number => Array.from({ length: count }, (_, i) => minute(from + i * MIN)).reduce((a, b) => a + b, 0);

/** What the archive holds in one hour, by minute offsets: 1-minute slots, 5-minute slots, the hourly slot. */
interface HourFixture {
  readonly seam: string;
  readonly m1?: readonly number[];
  readonly m5?: readonly number[];
  readonly hourly?: boolean;
  /** Minute offsets whose traffic the hour's best row must hold (default all 60). */
  readonly covered?: readonly number[];
}
const range = (from: number, to: number, step = 1): number[] => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);

const HOURS: readonly HourFixture[] = [
  { seam: '1m/5m: 5-minute slots to :45, 1-minute from :50 (backfill at the 7-day horizon)', m5: range(0, 50, 5), m1: range(50, 60) },
  { seam: '1m inside 5m: a full 5-minute hour and 1-minute slots :20-:39', m5: range(0, 60, 5), m1: range(20, 40) },
  { seam: '5m/1h: the hourly slot and 5-minute slots :00-:25 (the 93-day horizon)', m5: range(0, 30, 5), hourly: true },
  { seam: '5m/1h: the hourly slot and all twelve 5-minute slots', m5: range(0, 60, 5), hourly: true },
  { seam: 'partial hour: 5-minute slots :00-:35 only', m5: range(0, 40, 5), covered: range(0, 40) },
  { seam: 'partial 5-minute bucket: 1-minute :00-:02, 5-minute :05-:55', m1: range(0, 3), m5: range(5, 60, 5), covered: [...range(0, 3), ...range(5, 60)] },
  { seam: 'catch-up after an outage: 1m :00-:19, 5m catch-up :20-:35, 1m :40-:59', m1: [...range(0, 20), ...range(40, 60)], m5: range(20, 40, 5) },
  { seam: 'hourly only', hourly: true },
];

function rowsOf(domain: string, hourStart: number, h: HourFixture): LoadRow[] {
  const out: LoadRow[] = [];
  for (const m of h.m1 ?? []) out.push({ ts: hourStart + m * MIN, domain, intervalS: 60, value: minute(hourStart + m * MIN) });
  for (const m of h.m5 ?? []) out.push({ ts: hourStart + m * MIN, domain, intervalS: 300, value: sumMinutes(hourStart + m * MIN, 5) });
  if (h.hourly) out.push({ ts: hourStart, domain, intervalS: 3600, value: sumMinutes(hourStart, 60) });
  return out;
}

/** Expected best row of one hour: the covered minutes' traffic; peak at the finest resolution used. */
function expectedHour(hourStart: number, h: HourFixture): { value: number; covered_s: number; complete: boolean } {
  const covered = h.covered ?? range(0, 60);
  const value = covered.reduce((a, m) => a + minute(hourStart + m * MIN), 0);
  return { value, covered_s: covered.length * 60, complete: covered.length === 60 };
}

function rows(): LoadRow[] {
  const out: LoadRow[] = [];
  HOURS.forEach((h, i) => out.push(...rowsOf(X, DAY0 + i * HOUR, h)));
  // Y: 26 hours of 5-minute slots, across midnight, for the rollup totals.
  for (let i = 0; i < 312; i++) out.push({ ts: DAY0 - 2 * HOUR + i * 5 * MIN, domain: Y, intervalS: 300, value: sumMinutes(DAY0 - 2 * HOUR + i * 5 * MIN, 5) });
  return out;
}

interface Totals {
  domain: string;
  interval_s: number;
  value: number;
  max_value: number;
  slots: number;
}

describe('rollups and seam-exact best views of cdn_src_traffic', () => {
  let pg: QuestDbPg;
  let loader: TrafficLoader;
  const from = iso(DAY0 - 24 * HOUR);
  const to = iso(DAY0 + 72 * HOUR);

  beforeAll(async () => {
    pg = new QuestDbPg({ url: PG });
    loader = await TrafficLoader.create({ questdbHttp: HTTP });
    await loader.load(rows(), { fetchedAt: Date.UTC(2025, 2, 1) });
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await loader?.close();
    await pg?.close();
  });

  async function direct(): Promise<Totals[]> {
    return pg.query<Totals & Record<string, unknown>>(
      'SELECT domain, interval_s, sum(value) value, max(value) max_value, count() slots FROM cdn_src_traffic WHERE (domain = $1 OR domain = $2) AND ts >= $3 AND ts < $4 GROUP BY domain, interval_s ORDER BY domain, interval_s',
      [X, Y, from, to],
    );
  }

  async function fromView(view: string): Promise<Totals[]> {
    return pg.query<Totals & Record<string, unknown>>(
      `SELECT domain, interval_s, sum(value) value, max(max_value) max_value, sum(slots) slots FROM ${view} WHERE (domain = $1 OR domain = $2) AND ts >= $3 AND ts < $4 GROUP BY domain, interval_s ORDER BY domain, interval_s`,
      [X, Y, from, to],
    );
  }

  it('the 5-minute, hourly and daily rollups total exactly what the base table holds, per domain and resolution', async () => {
    const base = await direct();
    const all = rows();
    const expected = (domain: string, intervalS: number): Totals => {
      const vs = all.filter((r) => r.domain === domain && r.intervalS === intervalS).map((r) => r.value);
      return { domain, interval_s: intervalS, value: vs.reduce((a, b) => a + b, 0), max_value: Math.max(...vs), slots: vs.length };
    };
    expect(base).toEqual([expected(X, 60), expected(X, 300), expected(X, 3600), expected(Y, 300)].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.interval_s - b.interval_s)));
    expect(await fromView('cdn_src_traffic_5m')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1h')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1d')).toEqual(base);
  });

  it('cdn_src_traffic_1h_best counts every seam kind exactly once (the seam table)', async () => {
    const best = await pg.query<{ ts: number; value: number; bytes: number; covered_s: number; complete: boolean }>(
      'SELECT ts, value, bytes, covered_s, complete FROM cdn_src_traffic_1h_best WHERE domain = $1 AND ts >= $2 AND ts < $3 ORDER BY ts',
      [X, iso(DAY0), iso(DAY0 + 24 * HOUR)],
    );
    const table = HOURS.map((h, i) => {
      const ts = DAY0 + i * HOUR;
      const got = best.find((b) => b.ts === ts);
      return { seam: h.seam, hour: iso(ts).slice(11, 16), expected: expectedHour(ts, h).value, view: got?.value };
    });
    console.table(table);
    expect(best).toEqual(HOURS.map((h, i) => {
      const e = expectedHour(DAY0 + i * HOUR, h);
      return { ts: DAY0 + i * HOUR, value: e.value, bytes: e.value, covered_s: e.covered_s, complete: e.complete };
    }));
  });

  it('names the resolutions used and gives avg_bps and peak_bps in bit/s at the finest resolution', async () => {
    const best = await pg.query('SELECT ts, interval_s, coarsest_interval_s, avg_bps, peak_bps FROM cdn_src_traffic_1h_best WHERE domain = $1 AND ts >= $2 AND ts < $3 ORDER BY ts', [
      X,
      iso(DAY0),
      iso(DAY0 + 24 * HOUR),
    ]);
    const h = (i: number): number => DAY0 + i * HOUR;
    const peak1m = (start: number, ms: readonly number[]): number => Math.max(...ms.map((m) => (minute(start + m * MIN) / 60) * 8));
    const peak5m = (start: number, ms: readonly number[]): number => Math.max(...ms.map((m) => (sumMinutes(start + m * MIN, 5) / 300) * 8));
    const avg = (i: number): number => (expectedHour(h(i), HOURS[i]!).value * 8) / expectedHour(h(i), HOURS[i]!).covered_s;
    // The SQL divides first, then converts to bit/s: the same operations in the same order, so equal to the bit.
    const hourlyPeak = (i: number): number => (expectedHour(h(i), HOURS[i]!).value / 3600) * 8;
    expect(best).toEqual([
      { ts: h(0), interval_s: 60, coarsest_interval_s: 300, avg_bps: avg(0), peak_bps: Math.max(peak5m(h(0), range(0, 50, 5)), peak1m(h(0), range(50, 60))) },
      // 1-minute slots replace the 5-minute slots of :20-:39; elsewhere the 5-minute slots stand.
      { ts: h(1), interval_s: 60, coarsest_interval_s: 300, avg_bps: avg(1), peak_bps: Math.max(peak5m(h(1), [...range(0, 20, 5), ...range(40, 60, 5)]), peak1m(h(1), range(20, 40))) },
      // The hourly slot is the whole hour; the 5-minute slots it leaves out still show the peak.
      { ts: h(2), interval_s: 3600, coarsest_interval_s: 3600, avg_bps: avg(2), peak_bps: Math.max(peak5m(h(2), range(0, 30, 5)), hourlyPeak(2)) },
      { ts: h(3), interval_s: 300, coarsest_interval_s: 300, avg_bps: avg(3), peak_bps: peak5m(h(3), range(0, 60, 5)) },
      { ts: h(4), interval_s: 300, coarsest_interval_s: 300, avg_bps: avg(4), peak_bps: peak5m(h(4), range(0, 40, 5)) },
      { ts: h(5), interval_s: 60, coarsest_interval_s: 300, avg_bps: avg(5), peak_bps: Math.max(peak1m(h(5), range(0, 3)), peak5m(h(5), range(5, 60, 5))) },
      { ts: h(6), interval_s: 60, coarsest_interval_s: 300, avg_bps: avg(6), peak_bps: Math.max(peak1m(h(6), [...range(0, 20), ...range(40, 60)]), peak5m(h(6), range(20, 40, 5))) },
      { ts: h(7), interval_s: 3600, coarsest_interval_s: 3600, avg_bps: avg(7), peak_bps: hourlyPeak(7) },
    ]);
  });

  it('cdn_src_traffic_1d_best sums the hours: the day holds exactly the covered traffic', async () => {
    const [day] = await pg.query('SELECT ts, value, bytes, covered_s, complete, hours, complete_hours, finest_interval_s, coarsest_interval_s FROM cdn_src_traffic_1d_best WHERE domain = $1 AND ts = $2', [
      X,
      iso(DAY0),
    ]);
    const hours = HOURS.map((h, i) => expectedHour(DAY0 + i * HOUR, h));
    const value = hours.reduce((a, e) => a + e.value, 0);
    expect(day).toEqual({
      ts: DAY0,
      value,
      bytes: value,
      covered_s: hours.reduce((a, e) => a + e.covered_s, 0),
      complete: false,
      hours: 8,
      complete_hours: 6,
      finest_interval_s: 60,
      coarsest_interval_s: 3600,
    });
  });

  it('a day of 5-minute slots across midnight: 24 complete hours per UTC day, totals split at midnight', async () => {
    const days = await pg.query('SELECT ts, value, hours, complete_hours, complete FROM cdn_src_traffic_1d_best WHERE domain = $1 ORDER BY ts', [Y]);
    expect(days).toEqual([
      { ts: DAY0 - 24 * HOUR, value: sumMinutes(DAY0 - 2 * HOUR, 120), hours: 2, complete_hours: 2, complete: false },
      { ts: DAY0, value: sumMinutes(DAY0, 24 * 60), hours: 24, complete_hours: 24, complete: true },
    ]);
  });

  it('a revised slot replaces its old value in the rollups and the best views instead of adding to it', async () => {
    const ts = DAY0 + 3 * HOUR + 10 * MIN;
    const old = sumMinutes(ts, 5);
    await loader.load([{ ts, domain: X, intervalS: 300, value: old + 1_000_000 }], { fetchedAt: Date.UTC(2025, 2, 2) });
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
    const base = await direct();
    expect(await fromView('cdn_src_traffic_5m')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1h')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1d')).toEqual(base);
    const [hour] = await pg.query('SELECT value FROM cdn_src_traffic_1h_best WHERE domain = $1 AND ts = $2', [X, iso(DAY0 + 3 * HOUR)]);
    expect(hour).toEqual({ value: expectedHour(DAY0 + 3 * HOUR, HOURS[3]!).value + 1_000_000 });
  });
});
