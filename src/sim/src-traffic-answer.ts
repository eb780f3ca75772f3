/**
 * The body of a successful DescribeDomainRealTimeSrcTrafficData answer: end-inclusive slots on the
 * interval's grid, nothing newer than the tier's data delay, several domains summed into ONE series.
 * Every value is a string, as on the wire. Pure.
 */
import { toWireTime } from '../aliyun/wire-time.js';
import type { Tier } from '../aliyun/tiers.js';
import { latestServedSlot, slotValue } from './traffic-model.js';
import { wireRange, type SrcTrafficCall } from './src-traffic-params.js';

export interface DataPoint {
  TimeStamp: string;
  Value: string;
}

export interface SrcTrafficBody {
  DomainName: string;
  StartTime: string;
  EndTime: string;
  DataInterval: string;
  RealTimeSrcTrafficDataPerInterval: { DataModule: DataPoint[] };
}

/** The slot starts served for [start, end] (both inclusive): start rounded up, end rounded down, capped by the delay. */
export function servedSlots(start: number, end: number, tier: Tier, now: number): number[] {
  const step = tier.intervalS * 1000;
  const first = Math.ceil(start / step) * step;
  const last = Math.min(Math.floor(end / step) * step, latestServedSlot(tier, now));
  const slots: number[] = [];
  for (let t = first; t <= last; t += step) slots.push(t);
  return slots;
}

/** The answer for a validated call at data-clock `now`, without RequestId. */
export function buildSrcTrafficBody(call: SrcTrafficCall, now: number, tiers: readonly Tier[]): SrcTrafficBody {
  const { intervalS } = call.tier;
  const points = servedSlots(call.start, call.end, call.tier, now).map((slot) => {
    let sum = 0;
    for (const d of call.domains) sum += slotValue(d, intervalS, slot, now, tiers);
    return { TimeStamp: toWireTime(slot), Value: String(sum) };
  });
  return {
    DomainName: call.domainName,
    ...wireRange(call),
    DataInterval: String(intervalS),
    RealTimeSrcTrafficDataPerInterval: { DataModule: points },
  };
}
