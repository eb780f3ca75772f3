/**
 * Billing p95 with exact figures on constructed months: 28, 30 and 31 days, a month in Asia/Shanghai, a month built
 * partly from 1-minute data, a month with gaps. A point's bandwidth is 8 * v bit/s (a 5-minute slot of 300 * v
 * bytes), v a permutation of 1..n, so the billed point of a full month of N points is 8 * (N - floor(N * 5 / 100)).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_P95_SQL, billingP95, queryBillingP95 } from '../../src/report/billing-p95.js';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const PG = QUESTDB_PG;
const MIN = 60_000;
const FIVE = 5 * MIN;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const uid = randomUUID().slice(0, 8);
const dom = (name: string): string => `${name}.${uid}.p95-test.example.com`;
const FEB = dom('feb28');
const APR = dom('apr30-minutes');
const MAR = dom('mar31-shanghai');
const JUN = dom('jun30-gaps');

const perm = (k: number, n: number): number => ((k * 7_919) % n) + 1;

/** n five-minute slots from `start`, the k-th of 300 * perm(k) bytes; the first `minuteSlots` as 1-minute rows. */
function month(domain: string, start: number, n: number, minuteSlots = 0, held = n): LoadRow[] {
  const rows: LoadRow[] = [];
  for (let k = 0; k < held; k++) {
    const v = perm(k, n);
    const ts = start + k * FIVE;
    if (k < minuteSlots) for (let m = 0; m < 5; m++) rows.push({ ts: ts + m * MIN, domain, intervalS: 60, value: 60 * v });
    else rows.push({ ts, domain, intervalS: 300, value: 300 * v });
  }
  return rows;
}

const FEB_START = Date.UTC(2026, 1, 1);
const APR_START = Date.UTC(2026, 3, 1);
const MAR_SH_START = Date.UTC(2026, 1, 28, 16); // 1 March 2026 00:00 in Shanghai
const JUN_START = Date.UTC(2026, 5, 1);

describe('billing p95 per domain and month', () => {
  let pg: QuestDbPg;

  beforeAll(async () => {
    pg = new QuestDbPg({ url: PG });
    const loader = await TrafficLoader.create({ questdbHttp: HTTP });
    try {
      await loader.load(month(FEB, FEB_START, 8064), { fetchedAt: Date.UTC(2026, 7, 1) });
      // April: the first 10 days archived at 1-minute resolution only (2880 buckets of five minutes).
      await loader.load(month(APR, APR_START, 8640, 2880), { fetchedAt: Date.UTC(2026, 7, 1) });
      await loader.load(month(MAR, MAR_SH_START, 8928), { fetchedAt: Date.UTC(2026, 7, 1) });
      // June: only the first 20 days held (5760 of 8640 points), v a permutation of 1..5760 there; plus one
      // bucket on 25 June with 4 of its 5 minutes, which is no point.
      const june = month(JUN, JUN_START, 5760);
      const partial = Date.UTC(2026, 5, 25, 12);
      for (let m = 0; m < 4; m++) june.push({ ts: partial + m * MIN, domain: JUN, intervalS: 60, value: 60 * 1_000_000 });
      await loader.load(june, { fetchedAt: Date.UTC(2026, 7, 1) });
    } finally {
      await loader.close();
    }
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await pg?.close();
  });

  const one = async (domain: string, from: number, to: number, zone = 'UTC') => queryBillingP95(pg, { domainPattern: domain, from, to, zone });

  it('the pure rule: floor(N * 5 / 100) dropped, the next point billed, missing points 0', () => {
    expect(billingP95([5, 4, 3, 2, 1], 20)).toEqual({ dropped: 1, p95Bps: 4 });
    expect(billingP95([5, 4, 3], 8640)).toEqual({ dropped: 432, p95Bps: 0 });
    expect(billingP95(Array.from({ length: 8928 }, (_, i) => i + 1), 8928)).toEqual({ dropped: 446, p95Bps: 8482 });
  });

  it('28-day month (February 2026, UTC): 8064 points, 403 dropped, the 404th billed', async () => {
    expect(await one(FEB, FEB_START, Date.UTC(2026, 2, 1))).toEqual([
      { domain: FEB, month: '2026-02', monthStart: FEB_START, pointsInMonth: 8064, pointsHeld: 8064, dropped: 403, p95Bps: 8 * 7661, peakBps: 8 * 8064 },
    ]);
  });

  it('30-day month built partly from 1-minute slots (April 2026): 8640 points, 432 dropped', async () => {
    expect(await one(APR, APR_START, Date.UTC(2026, 4, 1))).toEqual([
      { domain: APR, month: '2026-04', monthStart: APR_START, pointsInMonth: 8640, pointsHeld: 8640, dropped: 432, p95Bps: 8 * 8208, peakBps: 8 * 8640 },
    ]);
  });

  it('31-day month in Asia/Shanghai (March 2026, from 16:00 UTC on 28 February): 8928 points, 446 dropped', async () => {
    expect(await one(MAR, MAR_SH_START, Date.UTC(2026, 2, 31, 16), 'Asia/Shanghai')).toEqual([
      { domain: MAR, month: '2026-03', monthStart: MAR_SH_START, pointsInMonth: 8928, pointsHeld: 8928, dropped: 446, p95Bps: 8 * 8482, peakBps: 8 * 8928 },
    ]);
    // The same points on UTC months: February holds the first 8 hours (96 points, all below the 404th rank:
    // 0 billed), March the rest; the figures change with the zone.
    const utc = await one(MAR, FEB_START, Date.UTC(2026, 3, 1));
    const points = Array.from({ length: 8928 }, (_, k) => ({ ts: MAR_SH_START + k * FIVE, bps: 8 * perm(k, 8928) }));
    const marchUtc = points.filter((p) => p.ts >= Date.UTC(2026, 2, 1)).map((p) => p.bps);
    expect(utc).toEqual([
      { domain: MAR, month: '2026-02', monthStart: FEB_START, pointsInMonth: 8064, pointsHeld: 96, dropped: 403, p95Bps: 0, peakBps: Math.max(...points.slice(0, 96).map((p) => p.bps)) },
      { domain: MAR, month: '2026-03', monthStart: Date.UTC(2026, 2, 1), pointsInMonth: 8928, pointsHeld: 8832, dropped: 446, p95Bps: billingP95(marchUtc, 8928).p95Bps, peakBps: Math.max(...marchUtc) },
    ]);
  });

  it('a month with gaps (June 2026, 20 of 30 days and a bucket missing a minute): the gaps are 0-bit/s points', async () => {
    const [row] = await one(JUN, JUN_START, Date.UTC(2026, 6, 1));
    // 5760 points held of 8640; 432 dropped by the month's length; the 433rd highest of 1..5760 is 5328.
    expect(row).toEqual({ domain: JUN, month: '2026-06', monthStart: JUN_START, pointsInMonth: 8640, pointsHeld: 5760, dropped: 432, p95Bps: 8 * 5328, peakBps: 8 * 5760 });
  });

  it('the view cdn_src_traffic_p95_month_cn gives the Shanghai figures for every domain', async () => {
    const rows = await pg.query('SELECT domain, month, p95_bps, points_held FROM cdn_src_traffic_p95_month_cn WHERE domain = $1 OR domain = $2 ORDER BY domain, month', [MAR, FEB]);
    // FEB's UTC February is 1 February 08:00 .. 1 March 08:00 in Shanghai: 96 of its points fall in March there.
    const febPoints = Array.from({ length: 8064 }, (_, k) => ({ ts: FEB_START + k * FIVE, bps: 8 * perm(k, 8064) }));
    const inFeb = febPoints.filter((p) => p.ts < MAR_SH_START).map((p) => p.bps);
    const inMar = febPoints.filter((p) => p.ts >= MAR_SH_START).map((p) => p.bps);
    expect(rows).toEqual([
      { domain: FEB, month: '2026-02', p95_bps: billingP95(inFeb, 8064).p95Bps, points_held: 7968 },
      { domain: FEB, month: '2026-03', p95_bps: 0, points_held: inMar.length },
      { domain: MAR, month: '2026-03', p95_bps: 8 * 8482, points_held: 8928 },
    ]);
  });

  it('is the p95-monthly query of docs/QUERIES.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/QUERIES.md', import.meta.url), 'utf8');
    const block = /```sql\n-- query: p95-monthly\n([\s\S]*?)```/.exec(doc)![1]!.trim().replace(/;$/, '');
    expect(block).toBe(BILLING_P95_SQL);
  });
});
