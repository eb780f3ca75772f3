/**
 * `backfill --dry-run` and `sync --dry-run`: gather what the estimators need without spending anything (no API
 * call, nothing enqueued, no credentials), print their figures, exit 0. Redis is read only where the figure lives
 * there: the scheduled sync's share of the quota for a backfill (counted as 0, and said so, when Redis does not
 * answer or no sync is scheduled), and the number of followed domains for `sync --all-domains --dry-run`. QuestDB's
 * chunk ledger is asked how many chunks of a backfill's range are archived already (said so when it does not answer).
 */
import type { Config } from '../core/config.js';
import type { TimeRange } from '../plan/parse-range.js';
import { ServiceUnavailableError } from '../core/errors.js';
import { closeRedis, createChunkLedger, openRedisConnection } from '../app/app-runtime.js';
import { estimateBackfill } from '../plan/estimate-backfill.js';
import { readScheduledSync } from '../sync/scheduled-sync.js';
import { estimateSync } from '../sync/sync-estimate.js';
import { syncKeys } from '../sync/sync-keys.js';
import { DEFAULT_SYNC_MODE, type SyncMode } from '../sync/sync-plan.js';
import type { SyncSelection } from '../sync/sync-pass.js';
import { EXIT_OK, type CommandContext } from './command.js';
import { formatBackfillDryRun, formatSyncDryRun, type ArchivedShare, type SyncChoice, type SyncShare } from './dry-run.js';

/** How many domains of a selection are synced in each mode. */
export function modeCounts(domainCount: number, mode: SyncMode, freshDomains: readonly string[]): { archive: number; fresh: number } {
  if (mode === 'fresh') return { archive: 0, fresh: domainCount };
  const fresh = Math.min(domainCount, freshDomains.length);
  return { archive: domainCount - fresh, fresh };
}

/** `backfill --dry-run` for validated domains and range; `config` gives the quota and the Redis to read. */
export async function runBackfillDryRun(ctx: CommandContext, config: Config, input: TimeRange & { readonly domains: readonly string[] }): Promise<number> {
  const now = Date.now();
  const sync = await scheduledSyncShare(config);
  const estimate = estimateBackfill({ domainCount: input.domains.length, from: input.from, to: input.to, now, callsPerSecond: config.apiQps - sync.callsPerSecond });
  const archived = await archivedShare(config, input);
  ctx.stdout.write(formatBackfillDryRun(estimate, { from: input.from, to: input.to, qps: config.apiQps, sync, archived }));
  return EXIT_OK;
}

/** How many chunks of the range QuestDB's ledger holds as archived final; said so, not fatal, when QuestDB does not answer. */
async function archivedShare(config: Config, input: TimeRange & { readonly domains: readonly string[] }): Promise<ArchivedShare> {
  try {
    return { chunks: await createChunkLedger(config).countFinal(input.domains, input.from, input.to, { timeoutMs: ARCHIVED_QUERY_TIMEOUT_MS }) };
  } catch (err) {
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
}

/** A dry run waits this long for QuestDB's count, ms: it is a plan, not worth a hang. */
const ARCHIVED_QUERY_TIMEOUT_MS = 5_000;

/** What the scheduled sync takes from the quota, by its own estimate; 0 (said so) when there is none or Redis is down. */
async function scheduledSyncShare(config: Config): Promise<SyncShare> {
  let redis;
  try {
    redis = await openRedisConnection(config, 'cdn-etl-dry-run');
  } catch (err) {
    if (err instanceof ServiceUnavailableError) return { callsPerSecond: 0, source: 'Redis does not answer: the scheduled sync, if any, is not counted' };
    throw err;
  }
  try {
    const scheduled = await readScheduledSync(redis, config.redisPrefix);
    if (!scheduled) return { callsPerSecond: 0, source: `no sync scheduled on prefix ${config.redisPrefix}` };
    const mode = scheduled.data.mode ?? DEFAULT_SYNC_MODE;
    const counts = modeCounts(scheduled.domainCount, mode, scheduled.data.freshDomains ?? []);
    const e = estimateSync({ archiveDomains: counts.archive, freshDomains: counts.fresh, everyMs: scheduled.everyMs, lookbackMs: scheduled.data.lookbackMs, callsPerSecond: config.apiQps });
    return {
      callsPerSecond: Math.min(config.apiQps, e.callsPerHour / 3600),
      source: `the sync scheduled on prefix ${config.redisPrefix}: ${scheduled.domainCount.toLocaleString('en-US')} domain(s), ${mode} mode`,
    };
  } finally {
    await closeRedis(redis);
  }
}

/** What `sync` was asked for, validated. */
export interface SyncDryRunInput {
  readonly selection: SyncSelection;
  readonly mode: SyncMode;
  readonly freshDomains: readonly string[];
  readonly everyMs: number;
  readonly lookbackMs: number;
}

export async function runSyncDryRun(ctx: CommandContext, config: Config, input: SyncDryRunInput): Promise<number> {
  let domainCount: number;
  let source: string;
  if (input.selection.kind === 'domains') {
    domainCount = input.selection.domains.length;
    source = 'named';
  } else {
    // Listing the account's domains would be an API call: count the domains the sync already follows instead.
    const redis = await openRedisConnection(config, 'cdn-etl-dry-run');
    try {
      domainCount = await redis.hlen(syncKeys(config.redisPrefix).watermarks);
    } finally {
      await closeRedis(redis);
    }
    source = `with a watermark on prefix ${config.redisPrefix}`;
  }
  const estimate = (archive: number, fresh: number) =>
    estimateSync({ archiveDomains: archive, freshDomains: fresh, everyMs: input.everyMs, lookbackMs: input.lookbackMs, callsPerSecond: config.apiQps });
  const counts = modeCounts(domainCount, input.mode, input.freshDomains);
  const choices: SyncChoice[] = [{ label: 'as chosen', estimate: estimate(counts.archive, counts.fresh) }];
  if (counts.fresh > 0) choices.push({ label: 'all archive', estimate: estimate(domainCount, 0) });
  if (counts.archive > 0) choices.push({ label: 'all fresh', estimate: estimate(0, domainCount) });
  ctx.stdout.write(formatSyncDryRun({ domains: domainCount, mode: input.mode, freshDomains: counts.fresh, everyMs: input.everyMs, qps: config.apiQps, source, choices }));
  return EXIT_OK;
}
