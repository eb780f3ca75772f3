/**
 * The simulator over real HTTP: protocol strictness, quota, tiers, slots, sums, every fault mode.
 * Each test starts its own simulator on a free port, with its own domain names.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { toWireTime } from '../../src/aliyun/wire-time.js';
import { finalSlotValue, slotValue, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/sim/simulator.js';
import { call, raw } from './sim-call-helper.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A data clock far from any slot edge: every slot older than a day is final. */
const NOW = Date.UTC(2026, 4, 20, 12, 0, 0);

const running: RunningSimulator[] = [];
const unique = (label: string): string => `${label}-${randomBytes(4).toString('hex')}.example.com`;

async function sim(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ now: () => NOW, qps: 1000, ...options });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function range(start: number, end: number): Record<string, string> {
  return { StartTime: toWireTime(start), EndTime: toWireTime(end) };
}

describe('GET /', () => {
  it('says it is the cdn-etl simulator', async () => {
    const s = await sim();
    const r = await raw(s.url, { method: 'GET', path: '/' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(r.json).toMatchObject({ service: 'cdn-etl simulator', product: 'Cdn', version: '2018-05-10' });
    expect(s.stats().calls).toBe(0);
  });

  it('answers InvalidAction.NotFound to other paths', async () => {
    const s = await sim();
    const r = await raw(s.url, { method: 'GET', path: '/favicon.ico' });
    expect([r.status, r.json.Code, r.json.HostId]).toEqual([404, 'InvalidAction.NotFound', 'cdn.aliyuncs.com']);
  });
});

describe('traffic answers', () => {
  it('returns an hour of 1-minute slots with both ends included, every value a string', async () => {
    const d = unique('one');
    const s = await sim({ domains: [{ name: d }] });
    const start = NOW - 3 * HOUR;
    const r = await call(s.url, { params: { DomainName: d, ...range(start, start + HOUR) } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ DomainName: d, DataInterval: '60', StartTime: toWireTime(start), EndTime: toWireTime(start + HOUR) });
    expect(r.json.RequestId).toBe(r.headers['x-acs-request-id']);
    const points = r.json.RealTimeSrcTrafficDataPerInterval.DataModule as { TimeStamp: string; Value: string }[];
    expect(points).toHaveLength(61);
    expect(points.map((p) => p.TimeStamp)).toEqual(Array.from({ length: 61 }, (_, i) => toWireTime(start + i * MIN)));
    expect(points.map((p) => p.Value)).toEqual(Array.from({ length: 61 }, (_, i) => String(finalSlotValue(d, 60, start + i * MIN))));
  });

  it('a 2-hour call returns 300 s slots; a 4-day call hourly slots', async () => {
    const d = unique('tiers');
    const s = await sim({ domains: [{ name: d }] });
    const two = await call(s.url, { params: { DomainName: d, ...range(NOW - 5 * HOUR, NOW - 3 * HOUR) } });
    expect(two.json.DataInterval).toBe('300');
    expect(two.json.RealTimeSrcTrafficDataPerInterval.DataModule).toHaveLength(25);
    expect(two.json.RealTimeSrcTrafficDataPerInterval.DataModule[1]).toEqual({ TimeStamp: toWireTime(NOW - 5 * HOUR + 5 * MIN), Value: String(finalSlotValue(d, 300, NOW - 5 * HOUR + 5 * MIN)) });
    const four = await call(s.url, { params: { DomainName: d, ...range(NOW - 5 * DAY, NOW - DAY) } });
    expect(four.json.DataInterval).toBe('3600');
    expect(four.json.RealTimeSrcTrafficDataPerInterval.DataModule).toHaveLength(97);
  });

  it('refuses a 1-hour call starting 8 days ago with InvalidStartTime.ValueNotSupported', async () => {
    const d = unique('old');
    const s = await sim({ domains: [{ name: d }] });
    const r = await call(s.url, { params: { DomainName: d, ...range(NOW - 8 * DAY, NOW - 8 * DAY + HOUR) } });
    expect([r.status, r.json.Code]).toEqual([400, 'InvalidStartTime.ValueNotSupported']);
    expect(r.json).toHaveProperty('HostId', 'cdn.aliyuncs.com');
    expect(r.json.Recommend).toContain('InvalidStartTime.ValueNotSupported');
  });

  it('sums several domains into ONE series and echoes DomainName as sent', async () => {
    const a = unique('sum-a');
    const b = unique('sum-b');
    const s = await sim({ domains: [{ name: a }, { name: b }] });
    const start = NOW - 2 * HOUR;
    const r = await call(s.url, { params: { DomainName: `${a},${b}`, ...range(start, start + 10 * MIN) } });
    expect(r.json.DomainName).toBe(`${a},${b}`);
    const values = (r.json.RealTimeSrcTrafficDataPerInterval.DataModule as { Value: string }[]).map((p) => p.Value);
    expect(values).toEqual(Array.from({ length: 11 }, (_, i) => String(finalSlotValue(a, 60, start + i * MIN) + finalSlotValue(b, 60, start + i * MIN))));
    expect(s.stats().callsByDomain).toEqual({ [a]: 1, [b]: 1 });
  });

  it('serves the newest slots provisionally, as slotValue says, and none inside the delay', async () => {
    const d = unique('fresh');
    let now = NOW + 20_000;
    const s = await sim({ domains: [{ name: d }], now: () => now });
    const first = await call(s.url, { params: { DomainName: d } });
    const points = first.json.RealTimeSrcTrafficDataPerInterval.DataModule as { TimeStamp: string; Value: string }[];
    // The hour up to the current minute (12:00), minus the 5-minute delay: 11:00 .. 11:54.
    expect(points[0]!.TimeStamp).toBe(toWireTime(NOW - HOUR));
    expect(points.at(-1)!.TimeStamp).toBe(toWireTime(NOW - 6 * MIN));
    const newest = NOW - 6 * MIN;
    expect(points.at(-1)!.Value).toBe(String(slotValue(d, 60, newest, now)));
    expect(Number(points.at(-1)!.Value)).toBeLessThan(finalSlotValue(d, 60, newest));
    now += 10 * MIN;
    const later = await call(s.url, { params: { DomainName: d, ...range(newest, newest + MIN) } });
    const revised = Number(later.json.RealTimeSrcTrafficDataPerInterval.DataModule[0].Value);
    expect(revised).toBeGreaterThan(Number(points.at(-1)!.Value));
    expect(revised).toBe(slotValue(d, 60, newest, now));
  });

  it('accepts the parameters in a form body (V3 and V2) and GET with the query (V3 and V2)', async () => {
    const d = unique('form');
    const s = await sim({ domains: [{ name: d }] });
    const params = { DomainName: d, ...range(NOW - 2 * HOUR, NOW - HOUR) };
    const variants = [
      { scheme: 'v3' as const, method: 'POST' as const, form: true },
      { scheme: 'v2' as const, method: 'POST' as const, form: true },
      { scheme: 'v3' as const, method: 'GET' as const, form: false },
      { scheme: 'v2' as const, method: 'GET' as const, form: false },
    ];
    for (const v of variants) {
      const r = await call(s.url, { ...v, params });
      expect([v, r.status, r.json.RealTimeSrcTrafficDataPerInterval?.DataModule?.length]).toEqual([v, 200, 61]);
    }
  });
});

describe('authentication before parameters', () => {
  it('answers each authentication failure with its code, before looking at parameters', async () => {
    const s = await sim({ domains: [{ name: unique('auth') }] });
    const bad = { DomainName: 'not-mine.example.com', StartTime: 'garbage', EndTime: 'garbage' };
    const cases = [
      { o: { accessKeySecret: 'wrong' }, expected: [400, 'SignatureDoesNotMatch'] },
      { o: { scheme: 'v2' as const, accessKeySecret: 'wrong' }, expected: [400, 'SignatureDoesNotMatch'] },
      { o: { accessKeyId: 'LTAInobody' }, expected: [404, 'InvalidAccessKeyId.NotFound'] },
      { o: { signedHost: 'cdn.aliyuncs.com' }, expected: [400, 'SignatureDoesNotMatch'] },
      { o: { timestamp: new Date().toISOString() }, expected: [400, 'InvalidTimeStamp.Format'] },
      { o: { scheme: 'v2' as const, timestamp: new Date().toISOString() }, expected: [400, 'InvalidTimeStamp.Format'] },
      { o: { timestamp: toWireTime(Date.now() - 16 * MIN) }, expected: [400, 'InvalidTimeStamp.Expired'] },
    ];
    for (const c of cases) {
      const r = await call(s.url, { ...c.o, params: bad });
      expect([c.o, r.status, r.json.Code]).toEqual([c.o, ...c.expected]);
    }
    // The signature is fine here, so the parameters are judged.
    const r = await call(s.url, { params: bad });
    expect([r.status, r.json.Code]).toEqual([400, 'InvalidStartTime.Malformed']);
  });

  it('refuses a reused nonce', async () => {
    const d = unique('nonce');
    const s = await sim({ domains: [{ name: d }] });
    const first = await call(s.url, { nonce: 'fixed-nonce', params: { DomainName: d } });
    expect(first.status).toBe(200);
    const second = await call(s.url, { nonce: 'fixed-nonce', params: { DomainName: d } });
    expect([second.status, second.json.Code]).toEqual([400, 'SignatureNonceUsed']);
  });
});

describe('quota', () => {
  // The simulator's clock stands still in these tests: every call arrives in the same calendar second by
  // construction, so the counts are exact however slowly this machine sends them.
  const stillClock = (): (() => number) => {
    const at = Math.floor(Date.now() / 1000) * 1000 + 500;
    return () => at;
  };

  it('11 calls in one calendar second: exactly one Throttling (status 400 by default)', async () => {
    const d = unique('quota');
    const s = await sim({ domains: [{ name: d }], qps: 10, clock: stillClock() });
    const results = await Promise.all(Array.from({ length: 11 }, () => call(s.url, { params: { DomainName: d } })));
    const throttled = results.filter((r) => r.json.Code === 'Throttling.User');
    expect(throttled.length).toBe(1);
    expect(throttled.every((r) => r.status === 400 && r.headers['x-acs-retry-after'] === undefined)).toBe(true);
    expect(results.filter((r) => r.status === 200).length + throttled.length).toBe(11);
    const stats = s.stats();
    expect(stats.throttled).toBe(throttled.length);
    expect(stats.calls).toBe(11);
    expect([...stats.perCalendarSecond.values()].reduce((a, b) => a + b, 0)).toBe(11);
    expect(stats.maxCallsInAnySecond).toBe(11);
  });

  it('keeps one quota per action: DescribeUserDomains does not spend the traffic quota', async () => {
    const d = unique('peraction');
    const s = await sim({ domains: [{ name: d }], qps: 2, clock: stillClock() });
    const results = await Promise.all([
      call(s.url, { params: { DomainName: d } }),
      call(s.url, { params: { DomainName: d } }),
      call(s.url, { action: 'DescribeUserDomains' }),
      call(s.url, { action: 'DescribeUserDomains' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.stats().maxCallsInAnySecond).toBe(2);
  });

  it('a competing consumer spends its share of each second, for its window of calls, and can be switched', async () => {
    const d = unique('competing');
    // 4 of 10 taken elsewhere from the 3rd traffic call to the 10th: 2 free calls, then 6 of the second's 10 left
    // for us, of which 2 are spent already.
    const s = await sim({ domains: [{ name: d }], qps: 10, clock: stillClock(), competing: { callsPerSecond: 4, afterCalls: 2, untilCalls: 10 } });
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push((await call(s.url, { params: { DomainName: d } })).json.Code ?? 'ok');
    expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'Throttling.User', 'Throttling.User']);
    expect(s.stats().throttled).toBe(2);
    // Switched off: what it spent in this second stays spent. A share over the quota is refused.
    s.setCompeting(undefined);
    expect((await call(s.url, { params: { DomainName: d } })).json.Code).toBe('Throttling.User');
    expect(() => s.setCompeting({ callsPerSecond: 11 })).toThrow(/competing.callsPerSecond/);
  });

  it('can answer Throttling as the seed does (503) with x-acs-retry-after', async () => {
    const d = unique('quota503');
    const s = await sim({ domains: [{ name: d }], qps: 1, throttle: { status: 503, code: 'Throttling', retryAfterMs: 750 }, clock: stillClock() });
    const results = await Promise.all(Array.from({ length: 3 }, () => call(s.url, { params: { DomainName: d } })));
    const throttled = results.filter((r) => r.status === 503);
    expect(throttled.length).toBe(2);
    expect(throttled[0]!.json.Code).toBe('Throttling');
    expect(throttled[0]!.headers['x-acs-retry-after']).toBe('750');
  });
});

describe('faults', () => {
  const params = (d: string): Record<string, string> => ({ DomainName: d, ...range(NOW - 2 * HOUR, NOW - HOUR) });

  it('none is on unless asked: 30 calls all succeed', async () => {
    const d = unique('calm');
    const s = await sim({ domains: [{ name: d }] });
    const results = await Promise.all(Array.from({ length: 30 }, () => call(s.url, { params: params(d) })));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(s.stats().faultsInjected).toEqual({});
  });

  const answered = [
    { name: 'throttling storm', faults: { throttleRate: 1 }, codes: ['Throttling.User'], statuses: [400] },
    { name: '5xx', faults: { serverErrorRate: 1 }, codes: ['InternalError', 'ServiceUnavailable'], statuses: [500, 503] },
    { name: 'ServiceBusy', faults: { serviceBusyRate: 1 }, codes: ['ServiceBusy'], statuses: [403] },
  ];
  it.each(answered)('$name', async ({ faults, codes, statuses }) => {
    const d = unique('fault');
    const s = await sim({ domains: [{ name: d }], faults });
    for (let i = 0; i < 6; i++) {
      const r = await call(s.url, { params: params(d) });
      expect(codes).toContain(r.json.Code);
      expect(statuses).toContain(r.status);
      expect(r.json.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    }
  });

  it('connection reset: the socket is destroyed without an answer', async () => {
    const d = unique('reset');
    const s = await sim({ domains: [{ name: d }], faults: { resetRate: 1 } });
    await expect(call(s.url, { params: params(d) })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.stats().faultsInjected).toEqual({ reset: 1 });
  });

  it('stall: the answer is held for stallMs (a shorter client timeout fires; a patient client gets it)', async () => {
    const d = unique('stall');
    const s = await sim({ domains: [{ name: d }], faults: { stallRate: 1, stallMs: 600 } });
    await expect(call(s.url, { params: params(d), timeoutMs: 150 })).rejects.toMatchObject({ code: 'CLIENT_TIMEOUT' });
    const started = Date.now();
    const r = await call(s.url, { params: params(d), timeoutMs: 5000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect(r.json.RealTimeSrcTrafficDataPerInterval.DataModule).toHaveLength(61);
  });

  it('truncated body: Content-Length declared, half sent, connection closed', async () => {
    const d = unique('trunc');
    const s = await sim({ domains: [{ name: d }], faults: { truncateRate: 1 } });
    const r = await call(s.url, { params: params(d) });
    expect(r.status).toBe(200);
    expect(Number(r.headers['content-length'])).toBeGreaterThan(1000);
    expect(r.bytes).toBe(Math.floor(Number(r.headers['content-length']) / 2));
    expect(r.json).toBeUndefined();
    expect(s.stats().faultsInjected).toEqual({ truncate: 1 });
  });

  it('maxFaults and afterCalls limit the faults; setFaults replaces them', async () => {
    const d = unique('limited');
    const s = await sim({ domains: [{ name: d }], faults: { serviceBusyRate: 1, afterCalls: 1, maxFaults: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(s.url, { params: params(d) })).status);
    expect(statuses).toEqual([200, 403, 403, 200, 200]);
    s.setFaults({ throttleRate: 1, maxFaults: 1 });
    expect((await call(s.url, { params: params(d) })).json.Code).toBe('Throttling.User');
    expect((await call(s.url, { params: params(d) })).status).toBe(200);
    expect(s.stats().faultsInjected).toEqual({ 'service-busy': 2, throttle: 1 });
    expect(() => s.setFaults({ resetRate: 2 })).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });

  it('hostile mode: a JSON body served with the wrong content type', async () => {
    const d = unique('hostile');
    const s = await sim({ domains: [{ name: d }], hostile: { modes: ['wrong-content-type'] } });
    const r = await call(s.url, { params: params(d) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html;charset=utf-8');
    expect(r.json.RealTimeSrcTrafficDataPerInterval.DataModule).toHaveLength(61);
  });

  it('hostile mode: a huge value', async () => {
    const d = unique('huge');
    const s = await sim({ domains: [{ name: d }], hostile: { modes: ['huge-value'] } });
    const r = await call(s.url, { params: params(d) });
    expect(r.json.RealTimeSrcTrafficDataPerInterval.DataModule[0].Value).toBe('1e400');
  });
});

describe('DescribeUserDomains', () => {
  it('pages through the account domains with their status (V2, form body)', async () => {
    const domains = Array.from({ length: 7 }, (_, i) => ({ name: unique(`list${i}`), status: i === 3 ? ('offline' as const) : ('online' as const) }));
    const s = await sim({ domains });
    const seen: [string, string][] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await call(s.url, { scheme: 'v2', form: true, action: 'DescribeUserDomains', params: { PageSize: '3', PageNumber: String(page) } });
      expect(r.status).toBe(200);
      expect([r.json.TotalCount, r.json.PageSize, r.json.PageNumber]).toEqual([7, 3, page]);
      for (const d of r.json.Domains.PageData) seen.push([d.DomainName, d.DomainStatus]);
    }
    expect(seen).toEqual(domains.map((d) => [d.name, d.status]));
    expect(s.stats().callsByAction).toEqual({ DescribeUserDomains: 3 });
  });

  it('refuses PageSize 501', async () => {
    const s = await sim();
    const r = await call(s.url, { action: 'DescribeUserDomains', params: { PageSize: '501' } });
    expect([r.status, r.json.Code]).toEqual([400, 'InvalidPageSize.ValueNotSupported']);
  });
});

describe('options', () => {
  it('refuses invalid options before listening', async () => {
    await expect(startSimulator({ qps: 0 })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: 'qps' });
    await expect(startSimulator({ faults: { stallRate: -1 } })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT' });
    await expect(startSimulator({ domains: [{ name: 'a.com' }, { name: 'a.com' }] })).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT' });
  });

  it('accepts other credentials and refuses the demo pair then', async () => {
    const d = unique('creds');
    const s = await sim({ domains: [{ name: d }], credentials: { accessKeyId: 'LTAIother', accessKeySecret: 'other-secret' } });
    expect((await call(s.url, { accessKeyId: 'LTAIother', accessKeySecret: 'other-secret', params: { DomainName: d } })).status).toBe(200);
    expect((await call(s.url, { params: { DomainName: d } })).json.Code).toBe('InvalidAccessKeyId.NotFound');
  });

  it('latencyMs delays the answer, not the arrival the quota judges', async () => {
    const d = unique('latency');
    // One calendar second for all three arrivals (a still clock): the quota admits exactly 3.
    const at = Math.floor(Date.now() / 1000) * 1000 + 500;
    const s = await sim({ domains: [{ name: d }], latencyMs: [150, 250], qps: 3, clock: () => at });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 3 }, () => call(s.url, { params: { DomainName: d } })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('close() ends a stalled answer and frees the port', async () => {
    const d = unique('close');
    const s = await startSimulator({ domains: [{ name: d }], faults: { stallRate: 1, stallMs: 60_000 } });
    const pending = call(s.url, { params: { DomainName: d } }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 100));
    await s.close();
    expect(await pending).toBe('failed');
    await expect(raw(s.url, { method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
