/**
 * One sync pass, end to end, over the backfill pipeline: pick the domains (listing the account's with
 * DescribeUserDomains for `--all-domains`), give new ones a watermark, plan every domain's range, record the pass
 * like a backfill (so `status` shows it) and enqueue its chunks with `refetch` set (a pass never reuses earlier
 * chunk results: the trailing window exists to catch revised values), wait until every chunk has ended, then move
 * each watermark over what is now archived final. The caller holds the pass lock and runs (or reaches) workers.
 */
import { randomBytes } from 'node:crypto';
import type { CdnApi } from '../aliyun/api-types.js';
import { DEFAULT_TIERS, type Tier } from '../aliyun/tiers.js';
import type { UnavailableRange } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import type { BackfillSummary, ChunkFailure } from '../pipeline/backfill-store.js';
import { waitForBackfill } from '../pipeline/backfill-runner.js';
import type { PipelineClient } from '../pipeline/pipeline-client.js';
import { validateDomain } from '../plan/parse-domains.js';
import { syncKeys } from './sync-keys.js';
import { advanceWatermark, initialWatermark, planSyncPass, type CoarseRange, type DomainPassRange, type SyncMode } from './sync-plan.js';
import { WatermarkStore } from './watermark-store.js';

/** Which domains a pass covers. */
export type SyncSelection = { readonly kind: 'domains'; readonly domains: readonly string[] } | { readonly kind: 'all-domains' };

export interface SyncPassOptions {
  readonly client: PipelineClient;
  /** The installation's Redis prefix (config.redisPrefix), the one the client was opened with. */
  readonly prefix: string;
  /** Used for DescribeUserDomains (`all-domains`) only; the fetches run in the workers. */
  readonly api: CdnApi;
  readonly selection: SyncSelection;
  /** First slot of a domain that has no watermark yet (default: now). */
  readonly since?: number | undefined;
  readonly lookbackMs: number;
  /** sync-plan.ts: `fresh` (default) or `archive`, and the domains synced fresh in archive mode. */
  readonly mode?: SyncMode | undefined;
  readonly freshDomains?: readonly string[] | undefined;
  /** `--max-qps`: the most calls the pass may make in any one second (call-budget.ts); undefined: no cap. */
  readonly maxQps?: number | undefined;
  readonly now: () => number;
  readonly tiers?: readonly Tier[] | undefined;
  readonly marginMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Stops waiting; watermarks still move over what ended. */
  readonly signal?: AbortSignal | undefined;
  readonly pollMs?: number | undefined;
  /** How long finished passes stay in Redis for `status` (default 6 hours of the injected clock). */
  readonly retentionMs?: number | undefined;
}

export interface SkippedDomain {
  readonly domain: string;
  /** The DomainStatus DescribeUserDomains gave (`offline`, `configuring`, ...) or `invalid-name`. */
  readonly status: string;
}

export interface WatermarkMove {
  readonly domain: string;
  readonly before: number;
  readonly after: number;
}

export type SyncPassState = 'done' | 'failed' | 'interrupted';

export interface SyncPassReport {
  readonly id: string;
  /** The injected `now` the pass was planned at. */
  readonly plannedAt: number;
  readonly domains: readonly string[];
  /** Domains that got their first watermark in this pass. */
  readonly newDomains: readonly string[];
  readonly skipped: readonly SkippedDomain[];
  readonly ranges: readonly DomainPassRange[];
  /** What could only be had at a coarser resolution than 1 minute. */
  readonly coarse: readonly CoarseRange[];
  readonly unavailable: readonly UnavailableRange[];
  readonly summary: BackfillSummary;
  readonly failures: readonly ChunkFailure[];
  readonly watermarks: readonly WatermarkMove[];
  readonly state: SyncPassState;
}

/** Each pass keeps its chunks in Redis; at one pass per 5 minutes for 1,000 domains that is ~0.6 MB per pass. */
export const DEFAULT_PASS_RETENTION_MS = 6 * 3_600_000;

/** A readable, unique pass id: `sync-20261129T1930Z-k3x9qa` (a valid BullMQ job id prefix: no ':'). */
export function newPassId(now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `sync-${stamp}Z-${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/**
 * Runs one complete pass and reports it. Never throws for a chunk's failure (that is in the report); throws
 * ApiError when DescribeUserDomains fails, ServiceUnavailableError when Redis does.
 */
export async function runSyncPass(options: SyncPassOptions): Promise<SyncPassReport> {
  const { client } = options;
  const tiers = options.tiers ?? DEFAULT_TIERS;
  const now = options.now();
  const watermarks = new WatermarkStore(client.redis, options.prefix);
  const { domains, skipped } = await selectDomains(options);

  const newDomains: string[] = [];
  const known = await watermarks.get(domains);
  for (const d of domains) {
    if (known.has(d)) continue;
    if (await watermarks.initialise(d, initialWatermark(now, options.since, now, tiers))) newDomains.push(d);
  }
  const current = await watermarks.get(domains);
  const plan = planSyncPass({ domains, watermarks: current, now, lookbackMs: options.lookbackMs, mode: options.mode, freshDomains: options.freshDomains, tiers, marginMs: options.marginMs });

  const id = newPassId(now);
  const active = plan.ranges.filter((r) => r.from < r.to);
  const from = active.length > 0 ? Math.min(...active.map((r) => r.from)) : now;
  const to = active.length > 0 ? Math.max(...active.map((r) => r.to)) : now;
  // The pass is listed before its chunks are queued, so a pass that dies here is still pruned later.
  await client.redis.zadd(syncKeys(options.prefix).passes, now, id);
  await client.submit(id, { domains, from, to, refetch: true, unavailable: plan.unavailable, workClass: 'sync', maxQps: options.maxQps }, plan.chunks, now);
  options.logger?.info({ pass: id, domains: domains.length, chunks: plan.chunks.length, skipped: skipped.length }, 'sync pass started');

  const summary = await waitForBackfill(client, id, { signal: options.signal, pollMs: options.pollMs ?? 250 });
  const ended = await client.store.endedWell(id, plan.chunks);
  const moves: WatermarkMove[] = [];
  for (const range of plan.ranges) {
    const target = advanceWatermark({
      range,
      results: ended.filter((c) => c.domain === range.domain).map((chunk) => ({ chunk, ok: true })),
      unavailable: plan.unavailable,
      now,
      tiers,
    });
    const stored = await watermarks.advance(range.domain, target, now);
    moves.push({ domain: range.domain, before: range.watermark, after: stored?.watermark ?? range.watermark });
  }
  const failures = summary.counts.failed > 0 ? await client.store.failures(id) : [];
  const state: SyncPassState = summary.state === 'running' ? 'interrupted' : summary.state;
  const report: SyncPassReport = {
    id,
    plannedAt: now,
    domains,
    newDomains,
    skipped,
    ranges: plan.ranges,
    coarse: plan.coarse,
    unavailable: plan.unavailable,
    summary,
    failures,
    watermarks: moves,
    state,
  };
  await client.redis.hset(syncKeys(options.prefix).passReports, id, JSON.stringify({ ...report, summary: undefined, failures: failures.length }));
  await prunePasses(client, options.prefix, now - (options.retentionMs ?? DEFAULT_PASS_RETENTION_MS));
  options.logger?.info({ pass: id, state, rows: summary.rows, calls: summary.calls, failed: summary.counts.failed }, 'sync pass ended');
  return report;
}

async function selectDomains(options: SyncPassOptions): Promise<{ domains: string[]; skipped: SkippedDomain[] }> {
  if (options.selection.kind === 'domains') return { domains: [...options.selection.domains], skipped: [] };
  const listed = await options.api.describeUserDomains(options.signal ? { signal: options.signal } : undefined);
  const domains = new Set<string>();
  const skipped: SkippedDomain[] = [];
  for (const d of listed) {
    if (d.domainStatus !== 'online') {
      skipped.push({ domain: d.domainName, status: d.domainStatus });
      continue;
    }
    try {
      domains.add(validateDomain(d.domainName, 'DescribeUserDomains'));
    } catch {
      skipped.push({ domain: d.domainName, status: 'invalid-name' });
    }
  }
  return { domains: [...domains].sort(), skipped: skipped.sort((a, b) => a.domain.localeCompare(b.domain)) };
}

/** Deletes the bookkeeping of passes planned before `olderThan`, so a sync running for years stays small. */
async function prunePasses(client: PipelineClient, prefix: string, olderThan: number): Promise<void> {
  const keys = syncKeys(prefix);
  const old = await client.redis.zrangebyscore(keys.passes, '-inf', `(${olderThan}`);
  if (old.length === 0) return;
  await client.store.forget(old);
  const pipeline = client.redis.pipeline();
  for (const id of old) {
    pipeline.zrem(keys.passes, id);
    pipeline.hdel(keys.passReports, id);
  }
  await pipeline.exec();
}
