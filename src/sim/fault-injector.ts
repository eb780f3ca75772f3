/**
 * Decides which fault, if any, hits a call. Reproducible: one seeded generator, one draw per call,
 * so a failing test can be replayed with the same seed and call order. Nothing is injected unless a
 * rate is set.
 */
import type { FaultOptions } from './sim-types.js';

export type FaultKind = 'throttle' | 'internal-error' | 'service-unavailable' | 'reset' | 'stall' | 'truncate' | 'service-busy';

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rate(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) ? 0 : Math.min(1, Math.max(0, v));
}

export class FaultInjector {
  private faults: FaultOptions = {};
  private calls = 0;
  private injected = 0;

  constructor(faults: FaultOptions | undefined, private readonly random: () => number) {
    this.set(faults ?? {});
  }

  /** Replaces the options and restarts the `afterCalls`, `untilCalls` and `maxFaults` counters. */
  set(faults: FaultOptions): void {
    this.faults = { ...faults };
    this.calls = 0;
    this.injected = 0;
  }

  /** The fault for the next call, or undefined. */
  decide(): FaultKind | undefined {
    const f = this.faults;
    this.calls += 1;
    const table: [FaultKind, number][] = [
      ['throttle', rate(f.throttleRate)],
      ['internal-error', rate(f.serverErrorRate) / 2],
      ['service-unavailable', rate(f.serverErrorRate) / 2],
      ['reset', rate(f.resetRate)],
      ['stall', rate(f.stallRate)],
      ['truncate', rate(f.truncateRate)],
      ['service-busy', rate(f.serviceBusyRate)],
    ];
    if (table.every(([, r]) => r === 0)) return undefined;
    const r = this.random();
    if (this.calls <= (f.afterCalls ?? 0)) return undefined;
    if (f.maxFaults !== undefined && this.injected >= f.maxFaults) return undefined;
    if (f.untilCalls !== undefined && this.calls > f.untilCalls) return undefined;
    let cumulative = 0;
    for (const [kind, p] of table) {
      cumulative += p;
      if (r < cumulative) {
        this.injected += 1;
        return kind;
      }
    }
    return undefined;
  }
}
