import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/sim/fault-injector.js';
import { planBackfill, type BackfillPlan } from '../../src/plan/plan-backfill.js';
import { chunkId } from '../../src/plan/chunk-id.js';
import { DEFAULT_TIERS, tierByInterval, tierForSpan, type Tier } from '../../src/aliyun/tiers.js';
import type { Chunk } from '../../src/core/model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface Scenario {
  readonly seed: number;
  readonly now: number;
  readonly from: number;
  readonly to: number;
  readonly marginMs: number;
  readonly domains: string[];
}

/** Random clocks (any millisecond), ranges from 200 days back to 1 day ahead, bounds often on or near grids. */
function scenario(seed: number): Scenario {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const now = Date.UTC(2024, 0, 1) + int(0, 3 * 365 * DAY);
  const point = (): number => {
    const t = now - int(-DAY, 200 * DAY);
    const snap = [1, 1_000, MIN, 5 * MIN, HOUR][int(0, 4)]!;
    return Math.floor(t / snap) * snap;
  };
  let from = point();
  let to = rnd() < 0.1 ? from + int(0, 10 * MIN) : point();
  if (from > to) [from, to] = [to, from];
  const marginMs = [0, HOUR, HOUR, 2 * HOUR, 1][int(0, 4)]!;
  const domains = ['a.example.com', 'b.example.com', 'c.example.com'].slice(0, int(1, 3));
  return { seed, now, from, to, marginMs, domains };
}

function tierOf(tiers: readonly Tier[], c: Chunk): Tier {
  const t = tierByInterval(tiers, c.intervalS);
  if (!t) throw new Error(`chunk ${c.id} has an interval outside the tier table`);
  return t;
}

interface Gap {
  readonly domain: string;
  readonly start: number;
  readonly end: number;
  readonly before?: Chunk | undefined;
  readonly after?: Chunk | undefined;
}

/**
 * Every invariant of one plan, checked in plain code (hundreds of thousands of checks: one `expect` per
 * plan keeps the run fast); fails with the scenario's seed and the first broken invariants. Returns the
 * gaps: parts of [from, to) neither planned nor reported.
 */
function checkPlan(s: Scenario, plan: BackfillPlan, tiers: readonly Tier[]): Gap[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok && problems.length < 5) problems.push(what);
  };
  const ids = new Set<string>();
  for (const c of plan.chunks) {
    const tier = tierOf(tiers, c);
    const g = tier.intervalS * 1000;
    check(c.id === chunkId(c.domain, c.intervalS, c.start, c.end), `${c.id}: id is not chunkId()`);
    check(!ids.has(c.id), `${c.id}: duplicate id`);
    ids.add(c.id);
    // Inside [from, to), on the slot grid, within one call-size block.
    check(c.start >= s.from && c.end <= s.to && c.start < c.end, `${c.id}: not a non-empty part of [from, to)`);
    check(c.start % g === 0 && c.end % g === 0, `${c.id}: bounds off the slot grid`);
    check(Math.floor(c.start / tier.maxSpanMs) === Math.floor((c.end - 1) / tier.maxSpanMs), `${c.id}: crosses the call-size grid`);
    // The call covers the chunk's slots, sits on the grid and selects exactly this tier, still available.
    check(c.callStart <= c.start && c.callEnd >= c.end - g, `${c.id}: call does not cover the chunk`);
    check(c.callStart % g === 0 && c.callEnd % g === 0, `${c.id}: call off the slot grid`);
    check(tierForSpan(tiers, c.callEnd - c.callStart) === tier, `${c.id}: call span selects another tier`);
    check(c.callStart >= s.now - tier.historyMs + s.marginMs, `${c.id}: call starts beyond the horizon + margin`);
    check(c.callEnd <= s.now, `${c.id}: call ends after now`);
    check(c.end + tier.delayMs <= s.now, `${c.id}: holds slots not yet published`);
  }
  // Most urgent first: the moment each call start falls off its tier's history never decreases.
  const deadlines = plan.chunks.map((c) => c.callStart + tierOf(tiers, c).historyMs);
  for (let i = 1; i < deadlines.length; i++) check(deadlines[i]! >= deadlines[i - 1]!, `chunk ${i} is less urgent than chunk ${i + 1}`);

  const coarsest = tiers[tiers.length - 1]!;
  for (const u of plan.unavailable) {
    const what = `unavailable ${u.domain} ${u.start}..${u.end} ${u.reason}`;
    check(u.start >= s.from && u.end <= s.to && u.start < u.end, `${what}: not a non-empty part of [from, to)`);
    if (u.reason === 'beyond-horizon') check(u.start < s.now - coarsest.historyMs + s.marginMs, `${what}: not beyond the horizon`);
    else check(u.end > s.now - tiers[0]!.delayMs - tiers[0]!.intervalS * 1000, `${what}: already published`);
  }

  const gaps: Gap[] = [];
  for (const domain of s.domains) {
    const parts = [
      ...plan.chunks.filter((c) => c.domain === domain).map((c) => ({ start: c.start, end: c.end, chunk: c as Chunk | undefined })),
      ...plan.unavailable.filter((u) => u.domain === domain).map((u) => ({ start: u.start, end: u.end, chunk: undefined })),
    ].sort((x, y) => x.start - y.start);
    // Disjoint: chunks and unavailable ranges never overlap (so no slot is fetched twice).
    for (let i = 1; i < parts.length; i++) check(parts[i]!.start >= parts[i - 1]!.end, `${domain}: overlap at ${parts[i]!.start}`);
    let at = s.from;
    let prev: Chunk | undefined;
    for (const p of parts) {
      if (p.start > at) gaps.push({ domain, start: at, end: p.start, before: prev, after: p.chunk });
      at = p.end;
      prev = p.chunk;
    }
    if (at < s.to) gaps.push({ domain, start: at, end: s.to, before: prev });
  }
  expect(problems, `seed ${s.seed}`).toEqual([]);
  return gaps;
}

/**
 * Coverage of [from, to), in two steps:
 * 1. the plan of a much wider range (same clock, from far beyond every horizon to past now) has gaps only
 *    at tier changes, each shorter than one slot of the coarser tier there; returned as the largest loss;
 * 2. the plan of [from, to) loses no slot wholly inside [from, to) that the wide plan fetches (a slot
 *    sticking out past an off-grid bound is rounded away on purpose).
 * Together: chunks + unavailable ranges cover [from, to) apart from partial slots at its ends and the
 * tier-change losses of step 1.
 */
function checkCoverage(s: Scenario, gaps: readonly Gap[], tiers: readonly Tier[]): number {
  const wideScenario: Scenario = { ...s, from: s.now - 400 * DAY, to: s.now + 2 * DAY, domains: [s.domains[0]!] };
  const wide = planBackfill({ domains: wideScenario.domains, from: wideScenario.from, to: wideScenario.to, now: s.now, marginMs: s.marginMs, tiers });
  let largestLoss = 0;
  for (const gap of checkPlan(wideScenario, wide, tiers)) {
    expect(gap.before && gap.after && gap.before.intervalS !== gap.after.intervalS, `seed ${s.seed}: wide-plan gap ${gap.start}..${gap.end} is not at a tier change`).toBe(true);
    expect(gap.end - gap.start).toBeLessThan(Math.max(gap.before!.intervalS, gap.after!.intervalS) * 1000);
    largestLoss = Math.max(largestLoss, gap.end - gap.start);
  }
  const lost: string[] = [];
  for (const gap of gaps) {
    for (const c of wide.chunks) {
      if (c.end <= gap.start || c.start >= gap.end) continue;
      const g = c.intervalS * 1000;
      for (let p = Math.ceil(Math.max(gap.start, c.start) / g) * g; p < Math.min(gap.end, c.end); p += g) {
        if (p >= s.from && p + g <= s.to) lost.push(`slot ${p} of ${c.id}`);
      }
    }
  }
  expect(lost, `seed ${s.seed}: slots lost in gaps`).toEqual([]);
  return largestLoss;
}

const RUNS = 400;

describe('planBackfill: properties over random ranges and clocks (default tiers)', () => {
  it(`${RUNS} seeded scenarios: every invariant holds; the only gaps are partial slots at the range ends`, () => {
    let chunksSeen = 0;
    let gapsSeen = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const s = scenario(seed);
      const plan = planBackfill({ domains: s.domains, from: s.from, to: s.to, now: s.now, marginMs: s.marginMs });
      chunksSeen += plan.chunks.length;
      const gaps = checkPlan(s, plan, DEFAULT_TIERS);
      gapsSeen += gaps.length;
      // With nested grids (60 | 300 | 3600) a tier change loses nothing, so every gap touches `from` or `to`.
      for (const gap of gaps) expect(gap.start === s.from || gap.end === s.to, `seed ${seed}: gap ${gap.start}..${gap.end} inside the range`).toBe(true);
      expect(checkCoverage(s, gaps, DEFAULT_TIERS)).toBe(0);
    }
    // The generator must actually exercise the planner.
    expect(chunksSeen).toBeGreaterThan(RUNS * 10);
    expect(gapsSeen).toBeGreaterThan(10);
  });

  it('deterministic: the same input gives the same plan, whatever the order of the domains', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const s = scenario(seed);
      const a = planBackfill({ domains: s.domains, from: s.from, to: s.to, now: s.now, marginMs: s.marginMs });
      const b = planBackfill({ domains: [...s.domains].reverse(), from: s.from, to: s.to, now: s.now, marginMs: s.marginMs });
      expect(b).toEqual(a);
    }
  });

  it('re-planning the same range later keeps the ids of whole call-size chunks that are still planned at their tier', () => {
    let compared = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const s = scenario(seed);
      const later = s.now + [7 * MIN, HOUR, 5 * HOUR][seed % 3]!;
      const first = planBackfill({ domains: s.domains, from: s.from, to: s.to, now: s.now, marginMs: s.marginMs });
      const second = new Set(planBackfill({ domains: s.domains, from: s.from, to: s.to, now: later, marginMs: s.marginMs }).chunks.map((c) => c.id));
      for (const c of first.chunks) {
        const tier = tierOf(DEFAULT_TIERS, c);
        const whole = c.end - c.start === tier.maxSpanMs;
        // Still inside its tier's planned window at the later clock, and not claimed by a finer tier.
        const finer = DEFAULT_TIERS[DEFAULT_TIERS.indexOf(tier) - 1];
        const stillThisTier = c.start >= later - tier.historyMs + s.marginMs && (!finer || c.end <= later - finer.historyMs + s.marginMs);
        if (whole && stillThisTier) {
          compared++;
          expect(second.has(c.id), `seed ${seed}: ${c.id} changed`).toBe(true);
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('planBackfill: properties with a tier table whose grids do not nest', () => {
  // 7-minute slots do not divide an hour: a tier change may lose part of a slot, but less than one coarse slot.
  const ODD_TIERS: readonly Tier[] = [
    { intervalS: 60, maxSpanMs: HOUR, historyMs: 7 * DAY, delayMs: 5 * MIN, revisionMs: 25 * MIN },
    { intervalS: 420, maxSpanMs: 7 * HOUR, historyMs: 30 * DAY, delayMs: 15 * MIN, revisionMs: 45 * MIN },
    { intervalS: 3600, maxSpanMs: 7 * DAY, historyMs: 60 * DAY, delayMs: 4 * HOUR, revisionMs: 2 * HOUR },
  ];

  it(`${RUNS} seeded scenarios: every invariant holds; what a tier change loses is less than one coarse slot`, () => {
    let largestLoss = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const s = scenario(seed);
      const plan = planBackfill({ domains: s.domains, from: s.from, to: s.to, now: s.now, marginMs: s.marginMs, tiers: ODD_TIERS });
      largestLoss = Math.max(largestLoss, checkCoverage(s, checkPlan(s, plan, ODD_TIERS), ODD_TIERS));
    }
    // The odd table must really produce losses at tier changes, or this test proves nothing.
    expect(largestLoss).toBeGreaterThan(0);
    // The boundary lies on the coarse grid, then moves up to the fine grid: the loss is under one FINE slot.
    expect(largestLoss).toBeLessThan(420_000);
  });
});
