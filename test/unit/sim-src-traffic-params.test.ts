import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../../src/aliyun/tiers.js';
import { buildSrcTrafficBody, servedSlots } from '../../src/sim/src-traffic-answer.js';
import { validateSrcTrafficParams, type SrcTrafficContext } from '../../src/sim/src-traffic-params.js';
import type { SimDomainStatus } from '../../src/sim/sim-types.js';
import { finalSlotValue } from '../../src/sim/traffic-model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 1, 12, 0, 30);
const wire = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const ctx: SrcTrafficContext = {
  now: NOW,
  tiers: DEFAULT_TIERS,
  domains: new Map<string, SimDomainStatus>([
    ['a.example.com', 'online'],
    ['b.example.com', 'online'],
    ['off.example.com', 'offline'],
    ['stop.example.com', 'stopped'],
    ['cfg.example.com', 'configuring'],
    ['chk.example.com', 'checking'],
    ['cfgfail.example.com', 'configure_failed'],
    ['chkfail.example.com', 'check_failed'],
  ]),
};

const day = (n: number): string => wire(NOW - n * DAY);

describe('validateSrcTrafficParams refusals', () => {
  const cases: { name: string; params: Record<string, string>; code: string; status: number; context?: Partial<SrcTrafficContext> }[] = [
    { name: 'no DomainName', params: { StartTime: day(1), EndTime: day(0) }, code: 'MissingParameter', status: 400 },
    { name: 'only commas as DomainName', params: { DomainName: ' , ,' }, code: 'MissingParameter', status: 400 },
    { name: 'StartTime alone', params: { DomainName: 'a.example.com', StartTime: day(1) }, code: 'MissingParameter', status: 400 },
    { name: 'EndTime alone', params: { DomainName: 'a.example.com', EndTime: day(1) }, code: 'MissingParameter', status: 400 },
    { name: 'StartTime with milliseconds', params: { DomainName: 'a.example.com', StartTime: '2026-06-01T10:00:00.000Z', EndTime: day(0) }, code: 'InvalidStartTime.Malformed', status: 400 },
    { name: 'StartTime with an offset', params: { DomainName: 'a.example.com', StartTime: '2026-06-01T10:00:00+08:00', EndTime: day(0) }, code: 'InvalidStartTime.Malformed', status: 400 },
    { name: 'EndTime an impossible date', params: { DomainName: 'a.example.com', StartTime: day(1), EndTime: '2026-02-30T00:00:00Z' }, code: 'InvalidEndTime.Malformed', status: 400 },
    { name: 'EndTime equal to StartTime', params: { DomainName: 'a.example.com', StartTime: day(1), EndTime: day(1) }, code: 'InvalidEndTime.Mismatch', status: 400 },
    { name: 'EndTime before StartTime', params: { DomainName: 'a.example.com', StartTime: day(1), EndTime: day(2) }, code: 'InvalidEndTime.Mismatch', status: 400 },
    { name: 'span wider than 31 days', params: { DomainName: 'a.example.com', StartTime: day(32), EndTime: day(0) }, code: 'InvalidStartTime.ValueNotSupported', status: 400 },
    { name: '1-hour span starting 8 days ago (1-minute data gone)', params: { DomainName: 'a.example.com', StartTime: day(8), EndTime: wire(NOW - 8 * DAY + HOUR) }, code: 'InvalidStartTime.ValueNotSupported', status: 400 },
    { name: '2-day span starting 94 days ago (5-minute data gone)', params: { DomainName: 'a.example.com', StartTime: day(94), EndTime: day(92) }, code: 'InvalidStartTime.ValueNotSupported', status: 400 },
    { name: '10-day span starting 187 days ago (hourly data gone)', params: { DomainName: 'a.example.com', StartTime: day(187), EndTime: day(177) }, code: 'InvalidStartTime.ValueNotSupported', status: 400 },
    { name: 'unknown domain', params: { DomainName: 'a.example.com,nope.example.com' }, code: 'InvalidDomain.NotFound', status: 404 },
    { name: 'offline domain', params: { DomainName: 'off.example.com' }, code: 'InvalidDomain.Offline', status: 404 },
    { name: 'stopped domain', params: { DomainName: 'stop.example.com' }, code: 'InvalidDomain.Offline', status: 404 },
    { name: 'configuring domain', params: { DomainName: 'cfg.example.com' }, code: 'ServiceBusy', status: 403 },
    { name: 'checking domain', params: { DomainName: 'chk.example.com' }, code: 'ServiceBusy', status: 403 },
    { name: 'configure_failed domain', params: { DomainName: 'cfgfail.example.com' }, code: 'InvalidDomain.Configure_failed', status: 500 },
    { name: 'check_failed domain', params: { DomainName: 'chkfail.example.com' }, code: 'IllegalOperation', status: 403 },
    { name: '101 domains', params: { DomainName: Array.from({ length: 101 }, (_, i) => `d${i}.example.com`).join(',') }, code: 'InvalidDomainName.ExceedLimit', status: 400 },
    { name: 'account without CDN', params: { DomainName: 'a.example.com' }, code: 'OperationDenied', status: 403, context: { account: 'not-opened' } },
    { name: 'suspended account', params: { DomainName: 'a.example.com' }, code: 'OperationDenied', status: 403, context: { account: 'suspended' } },
  ];
  it.each(cases)('$name -> $code ($status)', ({ params, code, status, context }) => {
    const result = validateSrcTrafficParams(params, { ...ctx, ...context });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.status).toBe(status);
    }
  });

  it('words the suspended account differently from the unopened one', () => {
    const a = validateSrcTrafficParams({ DomainName: 'a.example.com' }, { ...ctx, account: 'suspended' });
    expect(a.ok === false && a.error.message).toBe('Your CDN service is suspended.');
  });
});

describe('validateSrcTrafficParams acceptance and tiers', () => {
  const cases: { name: string; params: Record<string, string>; intervalS: number; start: number; end: number; domains: string[] }[] = [
    { name: 'no times: the hour up to the current minute', params: { DomainName: 'a.example.com' }, intervalS: 60, start: NOW - 30_000 - HOUR, end: NOW - 30_000, domains: ['a.example.com'] },
    { name: 'exactly one hour: 1-minute data', params: { DomainName: 'a.example.com', StartTime: wire(NOW - 2 * HOUR), EndTime: wire(NOW - HOUR) }, intervalS: 60, start: NOW - 2 * HOUR, end: NOW - HOUR, domains: ['a.example.com'] },
    { name: 'one hour and a second: 5-minute data', params: { DomainName: 'a.example.com', StartTime: wire(NOW - 2 * HOUR - 1000), EndTime: wire(NOW - HOUR) }, intervalS: 300, start: NOW - 2 * HOUR - 1000, end: NOW - HOUR, domains: ['a.example.com'] },
    { name: 'two hours: 5-minute data', params: { DomainName: 'a.example.com', StartTime: wire(NOW - 3 * HOUR), EndTime: wire(NOW - HOUR) }, intervalS: 300, start: NOW - 3 * HOUR, end: NOW - HOUR, domains: ['a.example.com'] },
    { name: 'four days: hourly data', params: { DomainName: 'a.example.com', StartTime: day(5), EndTime: day(1) }, intervalS: 3600, start: NOW - 5 * DAY, end: NOW - DAY, domains: ['a.example.com'] },
    { name: '2-hour call starting 8 days ago: 5-minute data still exists', params: { DomainName: 'a.example.com', StartTime: day(8), EndTime: wire(NOW - 8 * DAY + 2 * HOUR) }, intervalS: 300, start: NOW - 8 * DAY, end: NOW - 8 * DAY + 2 * HOUR, domains: ['a.example.com'] },
    { name: 'spaces and duplicates in DomainName', params: { DomainName: ' a.example.com, b.example.com ,a.example.com' }, intervalS: 60, start: NOW - 30_000 - HOUR, end: NOW - 30_000, domains: ['a.example.com', 'b.example.com'] },
  ];
  it.each(cases)('$name', ({ params, intervalS, start, end, domains }) => {
    const result = validateSrcTrafficParams(params, ctx);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.tier.intervalS).toBe(intervalS);
      expect(result.value.start).toBe(start);
      expect(result.value.end).toBe(end);
      expect(result.value.domains).toEqual(domains);
      expect(result.value.domainName).toBe(params.DomainName);
    }
  });
});

describe('servedSlots', () => {
  const [T60, T300] = DEFAULT_TIERS as [(typeof DEFAULT_TIERS)[number], (typeof DEFAULT_TIERS)[number]];
  const base = Date.UTC(2026, 5, 1, 10, 0, 0);
  const cases = [
    { name: 'aligned hour: both ends included (61 slots)', start: base, end: base + HOUR, tier: T60, now: NOW, first: base, last: base + HOUR, count: 61 },
    { name: 'unaligned bounds: start rounded up, end rounded down', start: base + 10_000, end: base + 5 * MIN + 59_000, tier: T60, now: NOW, first: base + MIN, last: base + 5 * MIN, count: 5 },
    { name: '5-minute grid', start: base + MIN, end: base + 2 * HOUR, tier: T300, now: NOW + DAY, first: base + 5 * MIN, last: base + 2 * HOUR, count: 24 },
    { name: 'the newest slots wait for the delay', start: NOW - 30_000 - HOUR, end: NOW - 30_000, tier: T60, now: NOW, first: NOW - 30_000 - HOUR, last: NOW - 30_000 - 6 * MIN, count: 55 },
    { name: 'a range entirely in the delay serves nothing', start: NOW - 3 * MIN, end: NOW, tier: T60, now: NOW, first: undefined, last: undefined, count: 0 },
  ];
  it.each(cases)('$name', ({ start, end, tier, now, first, last, count }) => {
    const slots = servedSlots(start, end, tier, now);
    expect(slots).toHaveLength(count);
    expect(slots[0]).toBe(first);
    expect(slots.at(-1)).toBe(last);
  });

  it('sums several domains into one series and echoes DomainName', () => {
    const start = Date.UTC(2026, 5, 1, 9, 0, 0);
    const call = validateSrcTrafficParams({ DomainName: 'a.example.com,b.example.com', StartTime: wire(start), EndTime: wire(start + 10 * MIN) }, ctx);
    if (!call.ok) throw new Error(call.error.code);
    const body = buildSrcTrafficBody(call.value, NOW, DEFAULT_TIERS);
    expect(body.DomainName).toBe('a.example.com,b.example.com');
    expect(body.DataInterval).toBe('60');
    expect(body.StartTime).toBe(wire(start));
    expect(body.EndTime).toBe(wire(start + 10 * MIN));
    const points = body.RealTimeSrcTrafficDataPerInterval.DataModule;
    expect(points).toHaveLength(11);
    points.forEach((p, i) => {
      const slot = start + i * MIN;
      expect(p).toEqual({ TimeStamp: wire(slot), Value: String(finalSlotValue('a.example.com', 60, slot) + finalSlotValue('b.example.com', 60, slot)) });
    });
  });
});
