/**
 * Deterministic, realistic origin-pull traffic per domain, as the simulator serves it. Pure: the
 * same (domain, slot) always gives the same final value, on every machine, so tests can compare
 * loaded rows with `finalSlotValue` exactly.
 *
 * A minute's value = scale(domain) x dailyCycle(domain, minute of day) x noise(domain, minute),
 * rounded to an integer number of bits. A coarser slot is the exact sum of its minutes. The
 * newest slots are provisional: served lower than final and revised upward until final.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_TIERS, tierByInterval, type Tier } from '../aliyun/tiers.js';

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;
/** Provisional values start at this fraction of final and rise linearly to 1 over the revision window. */
const FIRST_FRACTION = 0.5;

/** FNV-1a, 32 bits: a stable hash of a domain name. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the output. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

interface DomainProfile {
  readonly hash: number;
  /** Mean bits per minute at the daily peak. */
  readonly peakBitsPerMinute: number;
  /** Minute of the UTC day when traffic peaks. */
  readonly peakMinute: number;
}

const profiles = new Map<string, DomainProfile>();

function profile(domain: string): DomainProfile {
  let p = profiles.get(domain);
  if (!p) {
    const hash = fnv1a(domain);
    const h2 = mix32(hash ^ 0x5bd1e995);
    // From 1.2e8 to ~1.5e10 bits per minute at peak (2 Mbit/s to 250 Mbit/s): small sites to busy ones.
    const peakBitsPerMinute = 1.2e8 * 2 ** ((h2 % 7000) / 1000);
    // Peaks between 11:00 and 15:00 UTC (evening in China), a different hour per domain.
    const peakMinute = 660 + (mix32(h2) % 240);
    p = { hash, peakBitsPerMinute, peakMinute };
    if (profiles.size > 10_000) profiles.clear();
    profiles.set(domain, p);
  }
  return p;
}

function minuteValue(p: DomainProfile, minuteIndex: number): number {
  const minuteOfDay = ((minuteIndex % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  // 0.25 at the trough, 1 at the peak.
  const cycle = 0.625 + 0.375 * Math.cos((2 * Math.PI * (minuteOfDay - p.peakMinute)) / MINUTES_PER_DAY);
  // Minute indexes fit 32 bits until the year 10136; the low bits are what varies.
  const noise = 0.8 + 0.4 * (mix32(p.hash ^ Math.imul(minuteIndex | 0, 0x9e3779b1)) / 0x1_0000_0000);
  return Math.round(p.peakBitsPerMinute * cycle * noise);
}

const sums = new Map<string, number>();

/**
 * The final (never again revised) value of one slot: an integer, the exact sum of its minutes.
 *
 * @param intervalS a whole number of minutes (60, 300, 3600, ...)
 * @param slotStart epoch ms, aligned to the interval
 * @throws InvalidArgumentError for an interval that is not whole minutes or a misaligned slot
 * @example finalSlotValue('www.example.com', 300, Date.UTC(2026, 0, 1, 12, 5))
 */
export function finalSlotValue(domain: string, intervalS: number, slotStart: number): number {
  if (!Number.isInteger(intervalS) || intervalS <= 0 || intervalS % 60 !== 0) {
    throw new InvalidArgumentError(`interval must be a positive whole number of minutes, got ${intervalS}`, 'intervalS');
  }
  if (!Number.isSafeInteger(slotStart) || slotStart % (intervalS * 1000) !== 0) {
    throw new InvalidArgumentError(`slot start ${slotStart} is not aligned to ${intervalS} s`, 'slotStart');
  }
  const p = profile(domain);
  const first = slotStart / MINUTE_MS;
  const minutes = intervalS / 60;
  if (minutes === 1) return minuteValue(p, first);
  // Hourly calls over 31 days sum 44 640 minutes; remembering sums keeps repeated calls cheap.
  const key = `${domain}\n${intervalS}\n${slotStart}`;
  const cached = sums.get(key);
  if (cached !== undefined) return cached;
  let total = 0;
  for (let m = 0; m < minutes; m++) total += minuteValue(p, first + m);
  if (sums.size > 200_000) sums.clear();
  sums.set(key, total);
  return total;
}

/** The newest slot start of `tier` that the API serves at `now` (a slot appears `delayMs` after it ends). */
export function latestServedSlot(tier: Tier, now: number): number {
  const intervalMs = tier.intervalS * 1000;
  return Math.floor((now - tier.delayMs - intervalMs) / intervalMs) * intervalMs;
}

/**
 * What the API serves for a slot at `now`: 0 before the slot first appears, then a provisional value
 * that starts at half the final value and rises with age until, after the tier's revision window,
 * it equals `finalSlotValue`. Never decreases as `now` grows. An interval without a tier is final.
 *
 * @example slotValue('www.example.com', 60, slot, Date.now()) <= finalSlotValue('www.example.com', 60, slot)
 */
export function slotValue(domain: string, intervalS: number, slotStart: number, now: number, tiers: readonly Tier[] = DEFAULT_TIERS): number {
  const final = finalSlotValue(domain, intervalS, slotStart);
  const tier = tierByInterval(tiers, intervalS);
  if (!tier) return final;
  const appearsAt = slotStart + intervalS * 1000 + tier.delayMs;
  if (now < appearsAt) return 0;
  const age = now - appearsAt;
  if (age >= tier.revisionMs) return final;
  return Math.floor(final * (FIRST_FRACTION + ((1 - FIRST_FRACTION) * age) / tier.revisionMs));
}
