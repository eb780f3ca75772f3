/**
 * What a backfill will cost before anything is spent (`backfill --dry-run`): the calls, the ETA at a given rate, and
 * per tier what will be degraded to a coarser resolution or lost because its turn comes after its horizon. Pure:
 * `now` and the rate are parameters.
 *
 * Why it is O(templates), not O(chunks): every domain gets the same chunk layout (the planner cuts the same grid for
 * each), so one domain's plan is a set of templates. The cursor walks chunks by (deadline, domain, start), so the k
 * templates that share a deadline are fetched as one block of N x k calls, domain by domain. The position of
 * (domain d, template j) in that block is before + d x k + j, fetched at t0 + position / rate; how many domains
 * of a template miss their deadline is then one division per template, not a loop over domains.
 *
 * The model, and what it leaves out (each errs on the side of more calls and a later finish):
 * - the rate is steady from the first call (`callsPerSecond`: the quota minus what the sync uses), call p is made at
 *   t0 + p / rate; chunks finished by an earlier backfill (reused without a call) are counted as calls;
 * - a chunk whose turn comes after its deadline (its call start falls off its tier's history) is refused by the
 *   API (one call spent) and re-planned at the next coarser tier that still holds it (`replanAtCoarserTier` at the
 *   moment of the first refusal), whose calls are made after the block of its deadline; with no such tier it is lost;
 * - throttling, retries and the pacer's efficiency are not modelled: at a pacing ratio r the ETA is ETA / r.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Chunk } from '../core/model.js';
import { DEFAULT_TIERS } from '../aliyun/tiers.js';
import { DEFAULT_MARGIN_MS, planBackfill, replanAtCoarserTier, type PlanBackfillInput } from './plan-backfill.js';

/** A domain name used only to lay out one domain's chunks; never called. */
const TEMPLATE_DOMAIN = 'template.invalid';

/** The planner's input with a count instead of names, and the rate the backfill gets. */
export interface BackfillEstimateInput extends Omit<PlanBackfillInput, 'domains'> {
  /** How many domains (all get the same chunk layout; the names do not change the figures). */
  readonly domainCount: number;
  /** API calls per second the backfill gets: the quota minus what the sync uses. `now` is when the first call is made. */
  readonly callsPerSecond: number;
}

export interface TierEstimate {
  readonly intervalS: number;
  /** Chunks planned at this tier, over all domains. */
  readonly chunks: number;
  /** Domain-time (ms, summed over domains) those chunks hold. */
  readonly plannedMs: number;
  /** Chunks whose turn comes after their horizon but that a coarser tier still holds. */
  readonly degradedChunks: number;
  readonly degradedMs: number;
  /** The interval they are fetched at instead (undefined when nothing is degraded). */
  readonly degradedToS: number | undefined;
  /** Chunks whose turn comes after their horizon and that no coarser tier holds. */
  readonly lostChunks: number;
  readonly lostMs: number;
}

export interface BackfillEstimate {
  readonly domainCount: number;
  readonly callsPerSecond: number;
  /** Chunks the planner makes (one call each when all goes well). */
  readonly plannedChunks: number;
  /** Every call: planned chunks (a refused one is a call too) plus the re-planned replacements. */
  readonly calls: number;
  /** From the first call to the last. */
  readonly etaMs: number;
  readonly finishesAt: number;
  /** Finest first, one per tier that has chunks. */
  readonly tiers: readonly TierEstimate[];
  /** Domain-time (ms, summed over domains) of the range no tier holds: older than every horizon, or not published yet. */
  readonly beyondHorizonMs: number;
  readonly notYetAvailableMs: number;
}

interface Group {
  readonly deadline: number;
  readonly templates: Chunk[];
}

/**
 * Estimates a backfill of [from, to) for `domainCount` domains at `callsPerSecond`.
 *
 * @example
 * estimateBackfill({ domainCount: 10_000, from: now - 186 * DAY, to: now, now, callsPerSecond: 10 })
 * // { calls, etaMs, tiers: [{ intervalS: 60, chunks, degradedChunks, lostChunks, ... }, ...], ... }
 * @throws InvalidArgumentError for a non-positive rate or domain count, or whatever planBackfill refuses.
 */
export function estimateBackfill(input: BackfillEstimateInput): BackfillEstimate {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  const n = input.domainCount;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be at least one domain', '--domains');
  if (!(input.callsPerSecond > 0) || !Number.isFinite(input.callsPerSecond)) {
    throw new InvalidArgumentError('no API calls per second are left for the backfill', '--qps');
  }
  const rate = input.callsPerSecond;
  const plan = planBackfill({ domains: [TEMPLATE_DOMAIN], from: input.from, to: input.to, now: input.now, tiers, marginMs });

  const perTier = new Map<number, { chunks: number; plannedMs: number; degradedChunks: number; degradedMs: number; degradedToS: number | undefined; lostChunks: number; lostMs: number }>();
  const tierOf = (s: number) => {
    let t = perTier.get(s);
    if (!t) perTier.set(s, (t = { chunks: 0, plannedMs: 0, degradedChunks: 0, degradedMs: 0, degradedToS: undefined, lostChunks: 0, lostMs: 0 }));
    return t;
  };
  const tierIndex = new Map(tiers.map((t, i) => [t.intervalS, i]));
  const historyOf = (c: Chunk) => tiers[tierIndex.get(c.intervalS)!]!.historyMs;

  // The planner's order is by deadline first: consecutive templates with one deadline form a block.
  const groups: Group[] = [];
  for (const c of plan.chunks) {
    const deadline = c.callStart + historyOf(c);
    const last = groups[groups.length - 1];
    if (last && last.deadline === deadline) last.templates.push(c);
    else groups.push({ deadline, templates: [c] });
  }

  const msPerCall = 1000 / rate;
  // Calls made before the current block (planned, refused and replacements), as a float-free integer.
  let before = 0;
  for (const g of groups) {
    const k = g.templates.length;
    // The last position whose call is made at or before the deadline.
    const lastInTime = Math.floor(((g.deadline - input.now) * rate) / 1000);
    let extra = 0;
    for (let j = 0; j < k; j++) {
      const c = g.templates[j]!;
      const stats = tierOf(c.intervalS);
      stats.chunks += n;
      stats.plannedMs += n * (c.end - c.start);
      // Domain d is in time when before + d*k + j <= lastInTime.
      const inTime = lastInTime < before + j ? 0 : Math.min(n, Math.floor((lastInTime - before - j) / k) + 1);
      const late = n - inTime;
      if (late === 0) continue;
      const firstLateAt = input.now + Math.ceil((before + inTime * k + j) * msPerCall);
      const replacements = replanAtCoarserTier(c, firstLateAt, tiers, marginMs);
      if (replacements) {
        stats.degradedChunks += late;
        stats.degradedMs += late * (c.end - c.start);
        stats.degradedToS = replacements[0]!.intervalS;
        const coarse = tierOf(replacements[0]!.intervalS);
        coarse.chunks += late * replacements.length;
        coarse.plannedMs += late * replacements.reduce((s, r) => s + r.end - r.start, 0);
        extra += late * replacements.length;
      } else {
        stats.lostChunks += late;
        stats.lostMs += late * (c.end - c.start);
      }
    }
    before += n * k + extra;
  }

  const calls = before;
  const etaMs = calls === 0 ? 0 : Math.ceil((calls - 1) * msPerCall);
  let beyondHorizonMs = 0;
  let notYetAvailableMs = 0;
  for (const u of plan.unavailable) {
    if (u.reason === 'beyond-horizon') beyondHorizonMs += n * (u.end - u.start);
    else notYetAvailableMs += n * (u.end - u.start);
  }
  const tierList = tiers
    .filter((t) => perTier.has(t.intervalS))
    .map((t) => ({ intervalS: t.intervalS, ...perTier.get(t.intervalS)! }));
  return {
    domainCount: n,
    callsPerSecond: rate,
    plannedChunks: n * plan.chunks.length,
    calls,
    etaMs,
    finishesAt: input.now + etaMs,
    tiers: tierList,
    beyondHorizonMs,
    notYetAvailableMs,
  };
}
