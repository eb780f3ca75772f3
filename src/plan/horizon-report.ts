/**
 * Words for the parts of a range the API cannot give: which part is beyond which horizon (the API keeps 1-minute
 * data 7 days, 5-minute data 93 days, hourly data 186 days) and which part is not published yet. A backfill whose
 * whole range is beyond every horizon exits 1 with these lines before anything is enqueued (issue 16): "0 chunks"
 * and exit 0 said nothing. Pure: `now` and the tier table are parameters.
 */
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import type { UnavailableRange } from '../core/model.js';
import { formatDuration, formatRange } from '../core/time-format.js';
import type { BackfillPlan } from './plan-backfill.js';

function utcMinute(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

function resolution(tier: Tier): string {
  return `${formatDuration(tier.intervalS * 1000)} data`;
}

/** `1m data: 7d (since 2026-11-29T18:07Z), 5m data: 93d (...), 1h data: 186d (...)`. */
export function describeHorizons(now: number, tiers: readonly Tier[] = DEFAULT_TIERS): string {
  return tiers.map((t) => `${resolution(t)}: ${formatDuration(t.historyMs)} (since ${utcMinute(now - t.historyMs)})`).join(', ');
}

/**
 * Why one part of a range cannot be loaded, naming the horizon it is beyond.
 *
 * @example explainUnavailable({ domain: 'a.com', start, end, reason: 'beyond-horizon' }, now)
 * // 'a.com [2020-01-01T00:00Z, 2020-02-01T00:00Z): beyond every horizon of the API; the oldest, 1h data, reaches back 186d, to 2026-06-03T18:07Z'
 */
export function explainUnavailable(u: UnavailableRange, now: number, tiers: readonly Tier[] = DEFAULT_TIERS): string {
  const where = `${u.domain} ${formatRange(u.start, u.end)}`;
  if (u.reason === 'beyond-horizon') {
    const oldest = tiers.reduce((a, t) => (t.historyMs > a.historyMs ? t : a));
    return `${where}: beyond every horizon of the API; the oldest, ${resolution(oldest)}, reaches back ${formatDuration(oldest.historyMs)}, to ${utcMinute(now - oldest.historyMs)}`;
  }
  const finest = tiers.reduce((a, t) => (t.intervalS < a.intervalS ? t : a));
  return `${where}: not published yet (${resolution(finest)} appears ${formatDuration(finest.delayMs)} after its slot ends)`;
}

/**
 * The message for a plan with no chunk at all (every part beyond a horizon or not yet published), or undefined
 * when there is something to load.
 */
export function nothingToLoad(plan: BackfillPlan, from: number, to: number, now: number, tiers: readonly Tier[] = DEFAULT_TIERS): string | undefined {
  if (plan.chunks.length > 0) return undefined;
  const lines = [`nothing of ${formatRange(from, to)} can be loaded: the API no longer holds it, or does not yet.`];
  for (const u of plan.unavailable) lines.push(`  ${explainUnavailable(u, now, tiers)}`);
  lines.push(`  The API keeps ${describeHorizons(now, tiers)}.`);
  return lines.join('\n') + '\n';
}
