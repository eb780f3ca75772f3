/**
 * What a sync selection costs before it runs (`sync --dry-run`, and the sync's share in `backfill --dry-run`): the
 * calls per hour of each mode, how long a pass lasts, the freshness it can keep and whether every 1-minute slot is
 * archived before the API drops it. Pure: the rate and the period are parameters.
 *
 * How: the cost per domain-hour of a fresh domain depends on how often passes run, so it is measured, not assumed:
 * one template domain is taken through passes of planSyncPass/advanceWatermark (the code the sync runs) at the
 * effective period. An archive domain costs one call per block of the finest tier (an hour of 1-minute data). When
 * a pass lasts longer than the period, the next one starts late and covers more; the effective period L is the
 * fixed point of L = max(period, duration of a pass covering L). When there is none (the selection needs more
 * calls per second than the quota) the lag grows without bound, and 1-minute data is lost once it passes the
 * 1-minute history. Not modelled: throttling and the pacer's efficiency (divide the headroom by the pacing ratio),
 * a backfill's share (the sync has priority), new domains' first pass.
 */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import { advanceWatermark, planSyncPass, type DomainWatermark } from './sync-plan.js';

const TEMPLATE_DOMAIN = 'template.invalid';
/** An effective period beyond this is treated as no steady state. */
const MAX_PERIOD_MS = 30 * 24 * 3_600_000;

export interface SyncEstimateInput {
  /** Domains synced in archive mode. */
  readonly archiveDomains: number;
  /** Domains synced fresh (the whole selection in fresh mode, `--fresh-domains` in archive mode). */
  readonly freshDomains: number;
  readonly everyMs: number;
  readonly lookbackMs: number;
  /** The API quota (calls per second) the sync may use. */
  readonly callsPerSecond: number;
  readonly tiers?: readonly Tier[] | undefined;
}

export interface SyncEstimate {
  readonly archiveDomains: number;
  readonly freshDomains: number;
  /** Calls per domain-hour of each mode at the effective period. */
  readonly archiveCallsPerDomainHour: number;
  readonly freshCallsPerDomainHour: number;
  readonly callsPerHour: number;
  /** callsPerHour / 3600 / quota; above 1 the sync cannot keep up. */
  readonly quotaShare: number;
  /** Whether a steady state exists (passes of bounded length). */
  readonly keepsUp: boolean;
  /** The period passes really run at (>= everyMs); undefined without a steady state. */
  readonly effectivePeriodMs: number | undefined;
  /** How long a pass lasts at the quota; undefined without a steady state. */
  readonly passMs: number | undefined;
  /** Worst age of the newest loaded slot just before a pass ends (fresh domains). */
  readonly freshNewestAgeMaxMs: number | undefined;
  /** Worst lag of the watermark (everything before it archived final), per mode. */
  readonly freshWatermarkLagMaxMs: number | undefined;
  readonly archiveWatermarkLagMaxMs: number | undefined;
  /** Whether every slot of the finest tier is archived before its horizon. */
  readonly archivesEveryFinestSlot: boolean;
  /** Without a steady state: how long until the first slot of the finest tier is lost (from a current watermark). */
  readonly finestLossAfterMs: number | undefined;
  /** Plain-English problems, empty when the selection fits. */
  readonly warnings: readonly string[];
}

/**
 * @example estimateSync({ archiveDomains: 36_000, freshDomains: 0, everyMs: 300_000, lookbackMs: 1_800_000, callsPerSecond: 10 })
 * // { callsPerHour: 36_000, quotaShare: 1, keepsUp: true, archivesEveryFinestSlot: true, ... }
 * @throws InvalidArgumentError for a negative count, a non-positive period or quota.
 */
export function estimateSync(input: SyncEstimateInput): SyncEstimate {
  const tiers = input.tiers ?? DEFAULT_TIERS;
  const finest = tiers[0]!;
  const { archiveDomains: na, freshDomains: nf, everyMs, callsPerSecond: rate } = input;
  if (![na, nf].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new InvalidArgumentError('domain counts must be whole numbers', '--domains');
  if (!Number.isSafeInteger(everyMs) || everyMs <= 0) throw new InvalidArgumentError('must be a positive duration', '--every');
  if (!(rate > 0) || !Number.isFinite(rate)) throw new InvalidArgumentError('must be a positive number of calls per second', '--qps');
  const blockMs = finest.maxSpanMs;
  const archivePerHour = 3_600_000 / blockMs;
  const finalAfterMs = finest.delayMs + finest.revisionMs;
  const horizonMs = finest.historyMs;

  // Fixed point of L = max(every, pass duration at L).
  let period = everyMs;
  let freshPerHour = nf > 0 ? freshCallsPerDomainHour(period, input.lookbackMs, tiers) : 0;
  let steady = false;
  for (let i = 0; i < 60; i++) {
    const callsPerPass = ((na * archivePerHour + nf * freshPerHour) * period) / 3_600_000;
    const passMs = (callsPerPass / rate) * 1000;
    const next = Math.max(everyMs, Math.ceil(passMs));
    if (next > MAX_PERIOD_MS) break;
    if (next <= period) {
      steady = true;
      break;
    }
    period = next;
    if (nf > 0) freshPerHour = freshCallsPerDomainHour(period, input.lookbackMs, tiers);
  }
  if (!steady && nf === 0 && na * archivePerHour <= rate * 3600) steady = true;

  const callsPerHour = na * archivePerHour + nf * freshPerHour;
  const quotaShare = callsPerHour / 3600 / rate;
  const passMs = steady ? Math.ceil((((callsPerHour * period) / 3_600_000) / rate) * 1000) : undefined;
  const wait = steady ? period + passMs! : undefined;
  const freshNewestAgeMaxMs = steady && nf > 0 ? finest.delayMs + finest.intervalS * 1000 + wait! : undefined;
  const freshWatermarkLagMaxMs = steady && nf > 0 ? finalAfterMs + finest.intervalS * 1000 + wait! : undefined;
  // An archive domain's block is fetched at the first pass after end + final + phase (phase < one block).
  const archiveWatermarkLagMaxMs = steady && na > 0 ? blockMs + finalAfterMs + blockMs + wait! : undefined;
  const worstLag = Math.max(freshWatermarkLagMaxMs ?? 0, archiveWatermarkLagMaxMs ?? 0);
  const archivesEveryFinestSlot = steady && worstLag < horizonMs;
  const finestLossAfterMs = steady ? undefined : Math.ceil((horizonMs - (finalAfterMs + blockMs)) / Math.max(1e-9, 1 - 1 / quotaShare));

  const warnings: string[] = [];
  if (quotaShare > 1) {
    warnings.push(
      `the selection needs ${fmt(callsPerHour / 3600)} calls/s, more than the quota of ${fmt(rate)}: the watermarks fall behind` +
        (finestLossAfterMs !== undefined ? ` and 1-minute data starts to be lost after about ${Math.round(finestLossAfterMs / 3_600_000)} h` : ''),
    );
  } else if (steady && period > everyMs) {
    warnings.push(`a pass lasts longer than --every: passes run back to back, every ${Math.round(period / 1000)} s`);
  }
  if (steady && !archivesEveryFinestSlot) warnings.push('the watermark lags more than the 1-minute history: some 1-minute data is only archived at 5-minute resolution');
  if (nf > 0 && quotaShare > 0.5 && freshPerHour > archivePerHour) {
    warnings.push(`fresh mode costs ${fmt(freshPerHour)} calls per domain-hour, archive mode ${fmt(archivePerHour)}: --mode archive (with --fresh-domains for the few that need it) scales to ${Math.floor(rate * 3600 / archivePerHour).toLocaleString('en-US')} domains`);
  }
  return {
    archiveDomains: na,
    freshDomains: nf,
    archiveCallsPerDomainHour: archivePerHour,
    freshCallsPerDomainHour: freshPerHour,
    callsPerHour,
    quotaShare,
    keepsUp: steady,
    effectivePeriodMs: steady ? period : undefined,
    passMs,
    freshNewestAgeMaxMs,
    freshWatermarkLagMaxMs,
    archiveWatermarkLagMaxMs,
    archivesEveryFinestSlot,
    finestLossAfterMs,
    warnings,
  };
}

/**
 * Calls per domain-hour of a fresh domain when passes run every `periodMs`, measured with the sync's own planner
 * over whole hours of passes that all succeed (epoch-aligned, as BullMQ's `every` schedules them).
 */
export function freshCallsPerDomainHour(periodMs: number, lookbackMs: number, tiers: readonly Tier[] = DEFAULT_TIERS): number {
  const start = Date.UTC(2026, 0, 1);
  const passes = Math.max(12, Math.ceil((24 * 3_600_000) / periodMs));
  const warmup = 3;
  let wm: DomainWatermark = { watermark: start, floor: start - 30 * 24 * 3_600_000, updatedAt: 0 };
  let calls = 0;
  for (let k = 0; k < warmup + passes; k++) {
    const now = start + k * periodMs;
    const plan = planSyncPass({ domains: [TEMPLATE_DOMAIN], watermarks: new Map([[TEMPLATE_DOMAIN, wm]]), now, lookbackMs, tiers });
    if (k >= warmup) calls += plan.chunks.length;
    const watermark = advanceWatermark({ range: plan.ranges[0]!, results: plan.chunks.map((chunk) => ({ chunk, ok: true })), unavailable: plan.unavailable, now, tiers });
    wm = { ...wm, watermark };
  }
  return (calls * 3_600_000) / (passes * periodMs);
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}
