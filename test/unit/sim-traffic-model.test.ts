import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, isSlotFinal } from '../../src/aliyun/tiers.js';
import { finalSlotValue, latestServedSlot, slotValue } from '../../src/sim/traffic-model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 15, 0, 0, 0);
const [T60, T300, T3600] = DEFAULT_TIERS as [(typeof DEFAULT_TIERS)[number], (typeof DEFAULT_TIERS)[number], (typeof DEFAULT_TIERS)[number]];

function sumMinutes(domain: string, start: number, minutes: number): number {
  let s = 0;
  for (let i = 0; i < minutes; i++) s += finalSlotValue(domain, 60, start + i * MIN);
  return s;
}

describe('finalSlotValue', () => {
  const cases: { name: string; domain: string; intervalS: number; slot: number; minutes: number }[] = [
    { name: 'a 5-minute slot is the sum of its 5 minutes', domain: 'www.example.com', intervalS: 300, slot: T0 + 35 * MIN, minutes: 5 },
    { name: 'an hourly slot is the sum of its 60 minutes', domain: 'img.example.com', intervalS: 3600, slot: T0 + 13 * HOUR, minutes: 60 },
    { name: 'an hourly slot across midnight of a leap day', domain: 'v.example.com', intervalS: 3600, slot: Date.UTC(2028, 1, 29, 23), minutes: 60 },
  ];
  it.each(cases)('$name', ({ domain, intervalS, slot, minutes }) => {
    expect(finalSlotValue(domain, intervalS, slot)).toBe(sumMinutes(domain, slot, minutes));
  });

  it('is a deterministic positive integer, the same on every call', () => {
    const a = finalSlotValue('www.example.com', 60, T0 + 7 * MIN);
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(a).toBeGreaterThan(0);
    expect(finalSlotValue('www.example.com', 60, T0 + 7 * MIN)).toBe(a);
    // Pinned: a change to the model must be deliberate, since loaded archives compare against it.
    expect(finalSlotValue('www.example.com', 60, T0)).toBe(693_490_219);
    expect(finalSlotValue('www.example.com', 3600, T0 + 12 * HOUR)).toBe(146_822_178_981);
  });

  it('differs between domains and between minutes', () => {
    const values = new Set([
      finalSlotValue('a.example.com', 60, T0),
      finalSlotValue('b.example.com', 60, T0),
      finalSlotValue('a.example.com', 60, T0 + MIN),
      finalSlotValue('a.example.com', 60, T0 + 2 * MIN),
    ]);
    expect(values.size).toBe(4);
  });

  it('follows a daily cycle: the busiest hour carries at least twice the quietest', () => {
    const hours = Array.from({ length: 24 }, (_, h) => finalSlotValue('www.example.com', 3600, T0 + h * HOUR));
    expect(Math.max(...hours)).toBeGreaterThan(2 * Math.min(...hours));
  });

  it('a 31-day hourly sum stays an exact integer far below 2^53', () => {
    let total = 0;
    for (let h = 0; h < 31 * 24; h++) total += finalSlotValue('video.example.com', 3600, T0 + h * HOUR);
    expect(Number.isSafeInteger(total)).toBe(true);
    expect(total).toBeLessThan(2 ** 53 / 100);
  });

  const invalid: { name: string; intervalS: number; slot: number }[] = [
    { name: 'a misaligned slot', intervalS: 300, slot: T0 + MIN },
    { name: 'an interval that is not whole minutes', intervalS: 90, slot: T0 },
    { name: 'a zero interval', intervalS: 0, slot: T0 },
  ];
  it.each(invalid)('refuses $name', ({ intervalS, slot }) => {
    expect(() => finalSlotValue('www.example.com', intervalS, slot)).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });
});

describe('slotValue', () => {
  const cases: { name: string; tier: typeof T60; slot: number; nowAfterSlotEnd: number; expect: 'zero' | 'provisional' | 'final' }[] = [
    { name: '1-minute slot before its 5-minute delay is not served', tier: T60, slot: T0, nowAfterSlotEnd: 5 * MIN - 1, expect: 'zero' },
    { name: '1-minute slot just appeared is provisional', tier: T60, slot: T0, nowAfterSlotEnd: 5 * MIN, expect: 'provisional' },
    { name: '1-minute slot inside its revision window is provisional', tier: T60, slot: T0, nowAfterSlotEnd: 29 * MIN, expect: 'provisional' },
    { name: '1-minute slot after delay + revision is final', tier: T60, slot: T0, nowAfterSlotEnd: 30 * MIN, expect: 'final' },
    { name: '5-minute slot after 15 min delay is provisional', tier: T300, slot: T0, nowAfterSlotEnd: 15 * MIN, expect: 'provisional' },
    { name: '5-minute slot after delay + revision is final', tier: T300, slot: T0, nowAfterSlotEnd: 60 * MIN, expect: 'final' },
    { name: 'hourly slot within 4 h is not served', tier: T3600, slot: T0, nowAfterSlotEnd: 4 * HOUR - 1, expect: 'zero' },
    { name: 'hourly slot after 6 h is final', tier: T3600, slot: T0, nowAfterSlotEnd: 6 * HOUR, expect: 'final' },
  ];
  it.each(cases)('$name', ({ tier, slot, nowAfterSlotEnd, expect: kind }) => {
    const now = slot + tier.intervalS * 1000 + nowAfterSlotEnd;
    const final = finalSlotValue('www.example.com', tier.intervalS, slot);
    const served = slotValue('www.example.com', tier.intervalS, slot, now);
    if (kind === 'zero') expect(served).toBe(0);
    if (kind === 'final') expect(served).toBe(final);
    if (kind === 'provisional') {
      expect(served).toBeGreaterThanOrEqual(Math.floor(final / 2));
      expect(served).toBeLessThan(final);
    }
    expect(isSlotFinal(tier, slot, now)).toBe(kind === 'final');
  });

  it('is revised monotonically upward until final', () => {
    const slot = T0 + 10 * MIN;
    const final = finalSlotValue('img.example.com', 60, slot);
    let previous = 0;
    for (let t = slot + 6 * MIN; t <= slot + 31 * MIN; t += 7_000) {
      const v = slotValue('img.example.com', 60, slot, t);
      expect(v).toBeGreaterThanOrEqual(previous);
      expect(v).toBeLessThanOrEqual(final);
      previous = v;
    }
    expect(previous).toBeLessThan(final);
    expect(slotValue('img.example.com', 60, slot, slot + 31 * MIN)).toBe(final);
  });

  it('treats an interval without a tier as final', () => {
    expect(slotValue('www.example.com', 120, T0, T0)).toBe(finalSlotValue('www.example.com', 120, T0));
  });
});

describe('latestServedSlot', () => {
  const cases = [
    { name: '1-minute tier 5 min after a minute ends', tier: T60, now: T0 + 6 * MIN, expected: T0 },
    { name: '1-minute tier one ms earlier', tier: T60, now: T0 + 6 * MIN - 1, expected: T0 - MIN },
    { name: 'hourly tier 4 h after the hour ends', tier: T3600, now: T0 + 5 * HOUR + 30 * MIN, expected: T0 },
  ];
  it.each(cases)('$name', ({ tier, now, expected }) => {
    expect(latestServedSlot(tier, now)).toBe(expected);
  });
});

