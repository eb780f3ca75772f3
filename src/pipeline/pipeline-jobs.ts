/**
 * Job data and job options of the two queues. Job data never carries credentials: only the chunk, whose
 * backfill it serves, and rows in a compact form.
 */
import type { BackoffStrategy, JobsOptions } from 'bullmq';
import { backoffDelayMs, type BackoffPolicy } from '../core/backoff.js';
import type { Chunk, TrafficRow } from '../core/model.js';
import { tierByInterval, type Tier } from '../aliyun/tiers.js';

export interface FetchJobData {
  readonly backfillId: string;
  readonly chunk: Chunk;
  /** Fetch even when the ledger holds the chunk as archived final (`--refetch`; sync always sets it). */
  readonly refetch: boolean;
  /** 0 for the first run of a chunk, n for the n-th `--retry-failed` round (part of the job id). */
  readonly round: number;
  /** The chunk id this chunk replaces after an InvalidStartTime.ValueNotSupported answer. */
  readonly replannedFrom?: string | undefined;
  /** core/job-fingerprint.ts: the endpoint and account it was planned for; a worker of another refuses it. */
  readonly fingerprint?: string | undefined;
  /**
   * API calls made for this chunk by earlier runs of the job (throttled or failed): what its log line reports. Not
   * BullMQ's attemptsStarted, which also counts the starts that waited at the call gate or the budget and made none.
   */
  readonly calls?: number | undefined;
}

/** Rows as [ts (epoch ms), intervalS, value]: about 30 bytes of JSON each. */
export type CompactRow = readonly [number, number, number];

export interface LoadJobData {
  readonly backfillId: string;
  readonly chunk: Chunk;
  readonly fetchedAt: number;
  readonly provisional: boolean;
  /** API calls the fetch took (attempts started, throttled ones included). */
  readonly calls: number;
  /** The fetch job's round (its id): the window entry it belongs to. */
  readonly round?: number | undefined;
  readonly rows: readonly CompactRow[];
}

export const FETCH_JOB_NAME = 'fetch-chunk';
export const LOAD_JOB_NAME = 'load-rows';

/** Job ids are scoped by backfill id and deterministic: adding the same chunk twice while queued is a no-op. */
export function fetchJobId(backfillId: string, chunkId: string, round: number): string {
  return round === 0 ? `${backfillId}__${chunkId}` : `${backfillId}__${chunkId}__r${round}`;
}

export function loadJobId(backfillId: string, chunkId: string, round: number): string {
  return `${fetchJobId(backfillId, chunkId, round)}__load`;
}

export function compactRows(rows: readonly TrafficRow[]): CompactRow[] {
  return rows.map((r) => [r.ts, r.intervalS, r.value] as const);
}

/** Rows of one chunk back as TrafficRows, each carrying when it was fetched (the `fetched_at` column). */
export function expandRows(domain: string, rows: readonly CompactRow[], fetchedAt: number): Array<TrafficRow & { fetchedAt: number }> {
  return rows.map(([ts, intervalS, value]) => ({ ts, domain, intervalS, value, fetchedAt }));
}

/** Transient API failures: 8 attempts, exponential backoff from 1 s with jitter (throttles use no attempt). */
export const FETCH_ATTEMPTS = 8;

/**
 * An answer whose content is wrong (values, slots, a non-JSON body, an oversized body) gets one more try in case
 * it was a glitch, then fails: the same request usually gets the same answer, and every try spends quota.
 */
export const CONTENT_ATTEMPTS = 2;

/**
 * Places on the one quota (BullMQ priorities: lower is served first): sync passes keep the archive fresh; a backfill
 * chunk whose data leaves the API within DEADLINE_NEAR_MS comes next; then bulk backfill; then audits (verify).
 * Every job has a priority: BullMQ serves jobs without one before all prioritised jobs.
 */
export const PRIORITY: Readonly<Record<'sync' | 'deadline' | 'backfill' | 'audit', number>> = Object.freeze({ sync: 1, deadline: 2, backfill: 3, audit: 4 });
export const DEADLINE_NEAR_MS = 24 * 3_600_000;

/** The priority of one chunk of a backfill of class `workClass` at `now`. Pure. */
export function priorityOf(workClass: 'sync' | 'backfill' | 'audit', chunk: Chunk, tiers: readonly Tier[], now: number): number {
  if (workClass !== 'backfill') return PRIORITY[workClass];
  const tier = tierByInterval(tiers, chunk.intervalS);
  return tier && chunk.callStart + tier.historyMs - now < DEADLINE_NEAR_MS ? PRIORITY.deadline : PRIORITY.backfill;
}

export function fetchJobOptions(jobId: string, priority: number = PRIORITY.backfill): JobsOptions {
  return {
    jobId,
    priority,
    attempts: FETCH_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
    removeOnComplete: true,
    // Failed jobs stay a week for inspection; the bookkeeping keeps the outcome for good.
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    // A failed job keeps its error's code and message (failedReason), never a stack trace with install paths.
    stackTraceLimit: 0,
  };
}

/**
 * A QuestDB outage only delays loading. The load job is the one owner of its retries: the loader makes one bounded
 * attempt per batch (app-runtime.ts createLoader), and the job comes back with LOAD_BACKOFF. 1,500 attempts at most
 * 60 s apart ride out an outage of about a day (1 + 2 + ... + 32 s, then 60 s each: 24.9 h) before the chunk fails.
 */
export const LOAD_ATTEMPTS = 1_500;
export const LOAD_BACKOFF_TYPE = 'capped-exponential';

export function loadJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: LOAD_ATTEMPTS,
    backoff: { type: LOAD_BACKOFF_TYPE },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    // A failed job keeps its error's code and message (failedReason), never a stack trace with install paths.
    stackTraceLimit: 0,
  };
}

/**
 * Load retry delay: 1 s doubling up to 60 s, with equal jitter (half fixed, half random). Capped at a minute so
 * loading resumes within about a minute of QuestDB's return, as it did when the loader retried by itself.
 */
export const LOAD_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1_000, maxMs: 60_000, jitter: 'equal' });

export const loadBackoffStrategy: BackoffStrategy = (attemptsMade) => backoffDelayMs(attemptsMade, LOAD_BACKOFF, Math.random());
