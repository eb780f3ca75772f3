/**
 * Counters the simulator keeps so tests and benchmarks can assert call counts and quota adherence.
 * The sliding-window peak is O(1) amortised per call: arrivals older than one second are dropped
 * from the front of a queue.
 */
import type { SimulatorStats } from './sim-types.js';

const WINDOW_MS = 1000;
/** perCalendarSecond keeps at most this many seconds (a day), oldest dropped first. */
const MAX_SECONDS = 86_400;

export class StatsRecorder {
  private stats: SimulatorStats = StatsRecorder.empty();
  private window: number[] = [];
  private head = 0;

  private static empty(): SimulatorStats {
    return {
      calls: 0,
      callsByAction: {},
      callsByDomain: {},
      throttled: 0,
      maxCallsInAnySecond: 0,
      perCalendarSecond: new Map(),
      errorsByCode: {},
      faultsInjected: {},
    };
  }

  call(action: string): void {
    this.stats.calls += 1;
    bump(this.stats.callsByAction, action);
  }

  domains(names: readonly string[]): void {
    for (const n of names) bump(this.stats.callsByDomain, n);
  }

  /** A call reached the quota gate at `now` (accepted or throttled). */
  arrival(now: number): void {
    this.window.push(now);
    while (this.window[this.head]! <= now - WINDOW_MS) this.head += 1;
    this.stats.maxCallsInAnySecond = Math.max(this.stats.maxCallsInAnySecond, this.window.length - this.head);
    if (this.head > 1024) {
      this.window = this.window.slice(this.head);
      this.head = 0;
    }
    const second = Math.floor(now / 1000);
    const perSecond = this.stats.perCalendarSecond;
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    if (perSecond.size > MAX_SECONDS) perSecond.delete(perSecond.keys().next().value!);
  }

  error(code: string, throttled: boolean): void {
    bump(this.stats.errorsByCode, code);
    if (throttled) this.stats.throttled += 1;
  }

  fault(kind: string): void {
    bump(this.stats.faultsInjected, kind);
  }

  snapshot(): SimulatorStats {
    const s = this.stats;
    return {
      ...s,
      callsByAction: { ...s.callsByAction },
      callsByDomain: { ...s.callsByDomain },
      perCalendarSecond: new Map(s.perCalendarSecond),
      errorsByCode: { ...s.errorsByCode },
      faultsInjected: { ...s.faultsInjected },
    };
  }

  reset(): void {
    this.stats = StatsRecorder.empty();
    this.window = [];
    this.head = 0;
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
