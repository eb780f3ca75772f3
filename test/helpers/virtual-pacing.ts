/**
 * A virtual-clock run of the pacer's decisions (src/redis/pace-control.ts) against the simulator's quota gate
 * (src/sim/quota-gate.ts): `callers` concurrent callers reserve, sleep, confirm, call (arriving after a drawn
 * network and scheduling delay), and report throttles, the way fetch-stage.ts does, including the queue holding
 * back after a throttle. Deterministic (seeded), no timers, no servers: the figures are exact for a given seed.
 */
import { confirm, initialPaceState, recordThrottle, reserve, type PaceParams, type PaceState } from '../../src/redis/pace-control.js';
import { seededRandom } from '../../src/sim/fault-injector.js';
import { QuotaGate } from '../../src/sim/quota-gate.js';

export interface VirtualRunOptions extends PaceParams {
  readonly callers: number;
  /** Length of the run, virtual seconds. */
  readonly seconds: number;
  /** Calls of the quota another program spends in the second starting at `second` (0 = none). */
  readonly competing?: (second: number) => number;
  /** Delay from grant to arrival at the API, microseconds: [min, max] uniform. */
  readonly delayUs?: readonly [number, number];
  /** Share of calls delayed by `spikeUs` more (a descheduled process). */
  readonly spikeRate?: number;
  readonly spikeUs?: number;
  /** How late a sleeping caller wakes, microseconds: [0, max] uniform. */
  readonly lateUs?: number;
  /** Answer latency after arrival, microseconds. */
  readonly latencyUs?: number;
  readonly seed?: number;
}

export interface VirtualCall {
  readonly grantUs: number;
  readonly arrivalUs: number;
  readonly answered: boolean;
}

export interface VirtualRun {
  readonly calls: VirtualCall[];
  readonly state: PaceState;
}

const START_US = 1_700_000_000_000_000;

type Event = { at: number; caller: number; kind: 'reserve' | 'confirm' | 'answer'; call?: VirtualCall };

export function runVirtualPacing(o: VirtualRunOptions): VirtualRun {
  const random = seededRandom(o.seed ?? 7);
  const state = initialPaceState(o);
  const gate = new QuotaGate(o.qps);
  const [dMin, dMax] = o.delayUs ?? [2_000, 40_000];
  const endUs = START_US + o.seconds * 1_000_000;
  const calls: VirtualCall[] = [];
  // A small binary heap would be faster; a sorted insert is plenty for a few thousand events.
  const queue: Event[] = [];
  const push = (e: Event): void => {
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.at > e.at) i--;
    queue.splice(i, 0, e);
  };
  let holdUntil = 0;
  const late = (): number => Math.floor(random() * (o.lateUs ?? 5_000));
  for (let c = 0; c < o.callers; c++) push({ at: START_US + c, caller: c, kind: 'reserve' });
  while (queue.length > 0) {
    const e = queue.shift()!;
    if (e.at >= endUs) continue;
    if (e.kind === 'reserve') {
      const wait = reserve(o, state, e.at);
      push({ at: e.at + wait + (wait > 0 ? late() : 0), caller: e.caller, kind: 'confirm' });
    } else if (e.kind === 'confirm') {
      const result = confirm(o, state, e.at);
      if ('waitUs' in result) {
        push({ at: e.at + result.waitUs + late(), caller: e.caller, kind: result.again });
        continue;
      }
      let delay = dMin + Math.floor(random() * (dMax - dMin));
      if (random() < (o.spikeRate ?? 0)) delay += o.spikeUs ?? 0;
      const arrivalUs = result.grantUs + delay;
      const second = Math.floor((arrivalUs - START_US) / 1_000_000);
      const answered = gate.admit(arrivalUs / 1000, o.competing?.(second) ?? 0);
      const call = { grantUs: result.grantUs, arrivalUs, answered };
      calls.push(call);
      push({ at: arrivalUs + (o.latencyUs ?? 50_000), caller: e.caller, kind: 'answer', call });
    } else {
      if (!e.call!.answered) {
        const holdMs = recordThrottle(o, state, e.call!.grantUs, e.at);
        holdUntil = Math.max(holdUntil, e.at + holdMs * 1000);
      }
      // The worker takes its next job, unless the queue is held back after a throttle.
      push({ at: Math.max(e.at, holdUntil), caller: e.caller, kind: 'reserve' });
    }
  }
  return { calls, state };
}

/** Seconds since the run's start of a virtual time. */
export function runSecond(us: number): number {
  return Math.floor((us - START_US) / 1_000_000);
}

/** Answered calls per second over [fromS, toS) of the run (by arrival), and the throttled share. */
export function rateBetween(calls: readonly VirtualCall[], fromS: number, toS: number): { perSecond: number; throttledShare: number; calls: number } {
  const inside = calls.filter((c) => runSecond(c.arrivalUs) >= fromS && runSecond(c.arrivalUs) < toS);
  const answered = inside.filter((c) => c.answered).length;
  return { perSecond: answered / (toS - fromS), throttledShare: inside.length === 0 ? 0 : (inside.length - answered) / inside.length, calls: inside.length };
}
