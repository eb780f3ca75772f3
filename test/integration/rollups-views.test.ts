/**
 * The materialized rollups (migration 002) give the same totals as a direct SUM over cdn_src_traffic, per
 * domain, resolution and bucket, once refreshed; an upserted slot replaces its value in the rollups too.
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
const START = Date.UTC(2025, 1, 10, 22);

const uid = randomUUID().slice(0, 8);
const X = `x.${uid}.rollups-test.example.com`;
const Y = `y.${uid}.rollups-test.example.com`;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * X: 1-minute rows for 3 hours across midnight, 5-minute rows for 5 hours over the same time, hourly rows for
 * two days; Y: 5-minute rows for 26 hours. Values are distinct integers so a slot counted twice shows.
 */
function rows(): LoadRow[] {
  const out: LoadRow[] = [];
  for (let i = 0; i < 180; i++) out.push({ ts: START + i * MIN, domain: X, intervalS: 60, bits: 1_000 + i });
  for (let i = 0; i < 60; i++) out.push({ ts: START + i * 5 * MIN, domain: X, intervalS: 300, bits: 7_000 + 3 * i });
  for (let i = 0; i < 48; i++) out.push({ ts: START + i * HOUR, domain: X, intervalS: 3600, bits: 100_000 + i });
  for (let i = 0; i < 312; i++) out.push({ ts: START + i * 5 * MIN, domain: Y, intervalS: 300, bits: 50 * i });
  return out;
}

interface Totals {
  domain: string;
  interval_s: number;
  bits: number;
  max_bits: number;
  slots: number;
}

describe('materialized rollups of cdn_src_traffic', () => {
  let pg: QuestDbPg;
  let loader: TrafficLoader;
  const from = iso(START - 24 * HOUR);
  const to = iso(START + 72 * HOUR);

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
      'SELECT domain, interval_s, sum(bits) bits, max(bits) max_bits, count() slots FROM cdn_src_traffic WHERE (domain = $1 OR domain = $2) AND ts >= $3 AND ts < $4 GROUP BY domain, interval_s ORDER BY domain, interval_s',
      [X, Y, from, to],
    );
  }

  async function fromView(view: string): Promise<Totals[]> {
    return pg.query<Totals & Record<string, unknown>>(
      `SELECT domain, interval_s, sum(bits) bits, max(max_bits) max_bits, sum(slots) slots FROM ${view} WHERE (domain = $1 OR domain = $2) AND ts >= $3 AND ts < $4 GROUP BY domain, interval_s ORDER BY domain, interval_s`,
      [X, Y, from, to],
    );
  }

  it('hourly and daily views total exactly what the base table holds, per domain and resolution', async () => {
    const base = await direct();
    const sum = (n: number, f: (i: number) => number): number => Array.from({ length: n }, (_, i) => f(i)).reduce((a, b) => a + b, 0);
    expect(base).toEqual([
      { domain: X, interval_s: 60, bits: sum(180, (i) => 1_000 + i), max_bits: 1_179, slots: 180 },
      { domain: X, interval_s: 300, bits: sum(60, (i) => 7_000 + 3 * i), max_bits: 7_177, slots: 60 },
      { domain: X, interval_s: 3600, bits: sum(48, (i) => 100_000 + i), max_bits: 100_047, slots: 48 },
      { domain: Y, interval_s: 300, bits: sum(312, (i) => 50 * i), max_bits: 15_550, slots: 312 },
    ]);
    expect(await fromView('cdn_src_traffic_1h')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1d')).toEqual(base);
  });

  it('each hourly bucket equals a SAMPLE BY 1h over the base table', async () => {
    const expected = await pg.query(
      'SELECT ts, domain, interval_s, sum(bits) bits, max(bits) max_bits, count() slots FROM cdn_src_traffic WHERE domain = $1 AND ts >= $2 AND ts < $3 SAMPLE BY 1h ALIGN TO CALENDAR ORDER BY ts, interval_s',
      [X, from, to],
    );
    const view = await pg.query('SELECT ts, domain, interval_s, bits, max_bits, slots FROM cdn_src_traffic_1h WHERE domain = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, interval_s', [X, from, to]);
    // 3 hours at three resolutions, 2 more at 5 min and hourly, 43 hourly only.
    expect(view).toHaveLength(3 * 3 + 2 * 2 + 43);
    expect(view).toEqual(expected);
  });

  it('the best-resolution views count each hour once: the complete finest resolution wins', async () => {
    const best = await pg.query<{ ts: number; interval_s: number; complete: boolean }>(
      'SELECT ts, interval_s, slots, complete FROM cdn_src_traffic_1h_best WHERE domain = $1 AND ts >= $2 AND ts < $3 ORDER BY ts',
      [X, iso(START), iso(START + 6 * HOUR)],
    );
    expect(best).toEqual([
      { ts: START, interval_s: 60, slots: 60, complete: true },
      { ts: START + HOUR, interval_s: 60, slots: 60, complete: true },
      { ts: START + 2 * HOUR, interval_s: 60, slots: 60, complete: true },
      { ts: START + 3 * HOUR, interval_s: 300, slots: 12, complete: true },
      { ts: START + 4 * HOUR, interval_s: 300, slots: 12, complete: true },
      { ts: START + 5 * HOUR, interval_s: 3600, slots: 1, complete: true },
    ]);
    const [day] = await pg.query('SELECT ts, bits, hours, complete_hours, finest_interval_s, coarsest_interval_s FROM cdn_src_traffic_1d_best WHERE domain = $1 AND ts = $2', [X, iso(Date.UTC(2025, 1, 11))]);
    // Feb 11: hours 00 (minutes 120..179), 01-02 at 5 min (slots 36..59), 03-23 hourly (i = 5..25).
    let bits = 0;
    for (let i = 120; i < 180; i++) bits += 1_000 + i;
    for (let i = 36; i < 60; i++) bits += 7_000 + 3 * i;
    for (let i = 5; i < 26; i++) bits += 100_000 + i;
    expect(day).toEqual({ ts: Date.UTC(2025, 1, 11), bits, hours: 24, complete_hours: 24, finest_interval_s: 60, coarsest_interval_s: 3600 });
  });

  it('a revised slot replaces its old value in the rollups instead of adding to it', async () => {
    await loader.load([{ ts: START + 5 * MIN, domain: Y, intervalS: 300, bits: 1_000_000 }], { fetchedAt: Date.UTC(2025, 2, 2) });
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
    const base = await direct();
    const y = base.find((t) => t.domain === Y)!;
    let expected = 0;
    for (let i = 0; i < 312; i++) expected += i === 1 ? 1_000_000 : 50 * i;
    expect(y).toEqual({ domain: Y, interval_s: 300, bits: expected, max_bits: 1_000_000, slots: 312 });
    expect(await fromView('cdn_src_traffic_1h')).toEqual(base);
    expect(await fromView('cdn_src_traffic_1d')).toEqual(base);
  });
});
