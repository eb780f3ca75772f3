import { describe, expect, it } from 'vitest';
import { FaultInjector, seededRandom, type FaultKind } from '../../src/sim/fault-injector.js';
import { hostileAnswer } from '../../src/sim/hostile-answer.js';
import { QuotaGate } from '../../src/sim/quota-gate.js';
import { StatsRecorder } from '../../src/sim/sim-stats.js';
import type { HostileMode } from '../../src/sim/sim-types.js';
import type { SrcTrafficBody } from '../../src/sim/src-traffic-answer.js';

const S = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('QuotaGate', () => {
  const cases: { name: string; qps: number; arrivals: number[]; admitted: boolean[] }[] = [
    { name: '10 in one second pass, the 11th is refused', qps: 10, arrivals: Array.from({ length: 11 }, (_, i) => S + i * 50), admitted: [...Array(10).fill(true), false] },
    { name: 'a new calendar second starts afresh, even 1 ms later', qps: 2, arrivals: [S + 998, S + 999, S + 999, S + 1000], admitted: [true, true, false, true] },
    { name: 'bursts at the end and start of adjacent seconds both pass', qps: 2, arrivals: [S + 990, S + 995, S + 1001, S + 1002, S + 1003], admitted: [true, true, true, true, false] },
  ];
  it.each(cases)('$name', ({ qps, arrivals, admitted }) => {
    const gate = new QuotaGate(qps);
    expect(arrivals.map((t) => gate.admit(t))).toEqual(admitted);
  });
});

describe('QuotaGate beside a competing consumer', () => {
  it('leaves only what the other program did not spend, and keeps spent what it spent when it stops', () => {
    const gate = new QuotaGate(10);
    // 4 spent elsewhere in the first second: 6 for us.
    expect(Array.from({ length: 7 }, (_, i) => gate.admit(S + i * 10, 4))).toEqual([...Array(6).fill(true), false]);
    // It stops within the second: its 4 stay spent.
    expect(gate.admit(S + 500, 0)).toBe(false);
    // A new second without it: all 10.
    expect(Array.from({ length: 11 }, (_, i) => gate.admit(S + 1000 + i, 0)).filter(Boolean).length).toBe(10);
    // It starts mid-second after we took 3: 3 more for us.
    expect(Array.from({ length: 3 }, (_, i) => gate.admit(S + 2000 + i, 0))).toEqual([true, true, true]);
    expect(Array.from({ length: 5 }, (_, i) => gate.admit(S + 2100 + i, 4))).toEqual([true, true, true, false, false]);
  });
});

describe('StatsRecorder', () => {
  const cases: { name: string; arrivals: number[]; max: number; perSecond: [number, number][] }[] = [
    { name: 'a sliding window spans two calendar seconds', arrivals: [S + 900, S + 950, S + 1000, S + 1100], max: 4, perSecond: [[S / 1000, 2], [S / 1000 + 1, 2]] },
    { name: 'arrivals exactly 1000 ms apart are not in one window', arrivals: [S, S + 1000, S + 2000], max: 1, perSecond: [[S / 1000, 1], [S / 1000 + 1, 1], [S / 1000 + 2, 1]] },
  ];
  it.each(cases)('$name', ({ arrivals, max, perSecond }) => {
    const stats = new StatsRecorder();
    for (const t of arrivals) stats.arrival(t);
    expect(stats.snapshot().maxCallsInAnySecond).toBe(max);
    expect([...stats.snapshot().perCalendarSecond]).toEqual(perSecond);
  });

  it('counts calls, domains, errors and faults, and resets', () => {
    const stats = new StatsRecorder();
    stats.call('A');
    stats.call('A');
    stats.domains(['x', 'y']);
    stats.error('Throttling.User', true);
    stats.error('InvalidDomain.NotFound', false);
    stats.fault('reset');
    const s = stats.snapshot();
    expect(s).toMatchObject({ calls: 2, callsByAction: { A: 2 }, callsByDomain: { x: 1, y: 1 }, throttled: 1, errorsByCode: { 'Throttling.User': 1, 'InvalidDomain.NotFound': 1 }, faultsInjected: { reset: 1 } });
    stats.reset();
    expect(stats.snapshot()).toMatchObject({ calls: 0, throttled: 0, maxCallsInAnySecond: 0, callsByAction: {} });
    // The earlier snapshot is a copy.
    expect(s.calls).toBe(2);
  });
});

function draw(injector: FaultInjector, n: number): (FaultKind | undefined)[] {
  return Array.from({ length: n }, () => injector.decide());
}

describe('FaultInjector', () => {
  it('injects nothing when no rate is set', () => {
    expect(draw(new FaultInjector({}, seededRandom(1)), 100).filter(Boolean)).toHaveLength(0);
  });

  it('a rate of 1 hits every call with that fault', () => {
    expect(new Set(draw(new FaultInjector({ resetRate: 1 }, seededRandom(1)), 50))).toEqual(new Set(['reset']));
  });

  it('server errors split between InternalError and ServiceUnavailable', () => {
    expect(new Set(draw(new FaultInjector({ serverErrorRate: 1 }, seededRandom(3)), 200))).toEqual(new Set(['internal-error', 'service-unavailable']));
  });

  it('is reproducible from the seed and close to the asked rate', () => {
    const a = draw(new FaultInjector({ throttleRate: 0.3 }, seededRandom(42)), 2000);
    const b = draw(new FaultInjector({ throttleRate: 0.3 }, seededRandom(42)), 2000);
    expect(a).toEqual(b);
    const hits = a.filter((k) => k === 'throttle').length;
    expect(hits).toBeGreaterThan(500);
    expect(hits).toBeLessThan(700);
  });

  // Windows are counted in calls: the pattern over 10 calls is exact, whatever the clock says.
  const windows: { name: string; options: ConstructorParameters<typeof FaultInjector>[0]; hit: boolean[] }[] = [
    { name: 'afterCalls skips the first calls', options: { truncateRate: 1, afterCalls: 3 }, hit: [false, false, false, true, true, true, true, true, true, true] },
    { name: 'maxFaults caps the total', options: { truncateRate: 1, maxFaults: 4 }, hit: [true, true, true, true, false, false, false, false, false, false] },
    { name: 'untilCalls ends the window', options: { truncateRate: 1, untilCalls: 2 }, hit: [true, true, false, false, false, false, false, false, false, false] },
    { name: 'untilCalls 0 injects nothing', options: { truncateRate: 1, untilCalls: 0 }, hit: Array<boolean>(10).fill(false) },
    { name: 'calls afterCalls + 1 to untilCalls are the window', options: { truncateRate: 1, afterCalls: 2, untilCalls: 5 }, hit: [false, false, true, true, true, false, false, false, false, false] },
  ];
  it.each(windows)('$name', ({ options, hit }) => {
    expect(draw(new FaultInjector(options, seededRandom(1)), 10).map(Boolean)).toEqual(hit);
  });

  it('a call window gives the same storm on every run: one draw per call, inside or outside the window', () => {
    const storm = { throttleRate: 0.5, resetRate: 0.1, afterCalls: 5, untilCalls: 60 };
    const a = draw(new FaultInjector(storm, seededRandom(5)), 100);
    expect(draw(new FaultInjector(storm, seededRandom(5)), 100)).toEqual(a);
    // Outside the window nothing; inside it the draws of an unwindowed injector with the same seed.
    const unwindowed = draw(new FaultInjector({ throttleRate: 0.5, resetRate: 0.1 }, seededRandom(5)), 100);
    expect(a).toEqual(unwindowed.map((k, i) => (i >= 5 && i < 60 ? k : undefined)));
  });

  it('set() replaces the options and restarts the counters', () => {
    const injector = new FaultInjector({ stallRate: 1, maxFaults: 1 }, seededRandom(1));
    expect(draw(injector, 3).filter(Boolean)).toHaveLength(1);
    injector.set({ stallRate: 1, maxFaults: 2 });
    expect(draw(injector, 3).filter(Boolean)).toHaveLength(2);
  });
});

describe('hostileAnswer', () => {
  const body: SrcTrafficBody = {
    DomainName: 'a.example.com',
    StartTime: '2026-01-01T00:00:00Z',
    EndTime: '2026-01-01T00:02:00Z',
    DataInterval: '60',
    RealTimeSrcTrafficDataPerInterval: {
      DataModule: [
        { TimeStamp: '2026-01-01T00:00:00Z', Value: '10' },
        { TimeStamp: '2026-01-01T00:01:00Z', Value: '11' },
        { TimeStamp: '2026-01-01T00:02:00Z', Value: '12' },
      ],
    },
  };
  const points = (text: string): { TimeStamp: string; Value: string }[] => JSON.parse(text).RealTimeSrcTrafficDataPerInterval.DataModule;
  const cases: { mode: HostileMode; check: (text: string, contentType: string) => void }[] = [
    { mode: 'huge-value', check: (t) => expect(points(t)[0]!.Value).toBe('1e400') },
    { mode: 'negative-value', check: (t) => expect(points(t)[0]!.Value).toBe('-5') },
    { mode: 'nan-value', check: (t) => expect(points(t)[0]!.Value).toBe('NaN') },
    { mode: 'empty-value', check: (t) => expect(points(t)[0]!.Value).toBe('') },
    { mode: 'bad-timestamp', check: (t) => expect(points(t)[0]!.TimeStamp).toBe('yesterday') },
    { mode: 'misaligned-slot', check: (t) => expect(points(t)[0]!.TimeStamp).toBe('2026-01-01T00:00:30Z') },
    { mode: 'out-of-range-slot', check: (t) => expect(points(t).at(-1)).toEqual({ TimeStamp: '2026-01-01T00:03:00Z', Value: '1' }) },
    { mode: 'duplicate-slot', check: (t) => expect(points(t).slice(0, 2)).toEqual([{ TimeStamp: '2026-01-01T00:00:00Z', Value: '10' }, { TimeStamp: '2026-01-01T00:00:00Z', Value: '10' }]) },
    { mode: 'conflicting-duplicate', check: (t) => expect(points(t).slice(0, 2)).toEqual([{ TimeStamp: '2026-01-01T00:00:00Z', Value: '10' }, { TimeStamp: '2026-01-01T00:00:00Z', Value: '11' }]) },
    { mode: 'interval-mismatch', check: (t) => expect(JSON.parse(t).DataInterval).toBe('300') },
    { mode: 'wrong-content-type', check: (t, ct) => expect([JSON.parse(t).RequestId, ct]).toEqual(['R', 'text/html;charset=utf-8']) },
    { mode: 'not-json', check: (t) => expect(() => JSON.parse(t)).toThrow() },
  ];
  it.each(cases)('$mode', ({ mode, check }) => {
    const out = hostileAnswer(body, mode, { RequestId: 'R' });
    check(out.text, out.contentType);
    // The input is never modified.
    expect(body.RealTimeSrcTrafficDataPerInterval.DataModule[0]).toEqual({ TimeStamp: '2026-01-01T00:00:00Z', Value: '10' });
  });
});
