/**
 * The fetch stage: one BullMQ job per chunk, exactly one API call per attempt, paced globally. Turns API
 * outcomes into queue signals: throttled -> the whole queue slows down and no attempt is used; transient ->
 * rethrow for backoff (bounded attempts); permanent -> UnrecoverableError with the API's code recorded;
 * InvalidStartTime.ValueNotSupported -> the chunk is re-planned at the next coarser tier.
 * Rows go to the load stage as job data, so a QuestDB outage never costs another call.
 */
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { CdnApi } from '../aliyun/api-types.js';
import { normaliseSrcTraffic } from '../aliyun/normalise-src-traffic.js';
import { isSlotFinal, tierByInterval, type Tier } from '../aliyun/tiers.js';
import { ApiError, isCdnEtlError, ResponseInvalidError } from '../core/errors.js';
import type { FetchOutcome } from '../core/chunk-outcome.js';
import type { Chunk } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import { replanAtCoarserTier, rowsInChunk } from '../plan/plan-backfill.js';
import type { BackfillStore } from './backfill-store.js';
import { fingerprintMismatch } from '../core/job-fingerprint.js';
import { CONTENT_ATTEMPTS, compactRows, fetchJobId, fetchJobOptions, FETCH_JOB_NAME, LOAD_JOB_NAME, loadJobId, loadJobOptions, type FetchJobData, type LoadJobData } from './pipeline-jobs.js';
import type { Pacer } from '../redis/redis-pacer.js';

export const VALUE_NOT_SUPPORTED = 'InvalidStartTime.ValueNotSupported';
/** The code of a chunk refused because its job was planned for another endpoint or account. */
export const FOREIGN_JOB = 'Job.ForeignConfiguration';

export interface FetchStageDeps {
  readonly api: CdnApi;
  readonly pacer: Pacer;
  readonly store: BackfillStore;
  readonly fetchQueue: Queue<FetchJobData>;
  readonly loadQueue: Queue<LoadJobData>;
  readonly tiers: readonly Tier[];
  readonly marginMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** This worker's configuration (core/job-fingerprint.ts); a job planned for another is refused. */
  readonly fingerprint?: string | undefined;
}

/** Whether any slot of the chunk is still provisional (revised by the API) at `now`. Unknown tiers count as provisional. */
export function chunkHasProvisionalSlots(chunk: Chunk, tiers: readonly Tier[], now: number): boolean {
  const tier = tierByInterval(tiers, chunk.intervalS);
  if (!tier) return true;
  const lastSlot = chunk.end - chunk.intervalS * 1000;
  return !isSlotFinal(tier, lastSlot, now);
}

/** The code recorded for a failure: the API's Code, a response reason, or a cdn-etl code. */
export function failureCode(err: unknown): string {
  if (err instanceof ApiError) return err.apiCode;
  if (err instanceof ResponseInvalidError) return `ResponseInvalid.${err.reason}`;
  if (isCdnEtlError(err)) return err.code;
  return 'Internal';
}

/** The BullMQ processor of the fetch queue. */
export function createFetchProcessor(deps: FetchStageDeps): (job: Job<FetchJobData>) => Promise<FetchOutcome> {
  const { store, logger } = deps;
  return async (job) => {
    const { backfillId, chunk, refetch, round } = job.data;
    const state = await store.chunkState(backfillId, chunk.id);
    // A retried or duplicated job whose chunk already ended (or whose rows are queued for loading) costs nothing.
    if (state === undefined || state === 'loading' || state === 'loaded' || state === 'empty' || state === 'failed' || state === 'replanned') {
      return 'skipped';
    }
    if (!refetch) {
      const known = await store.remembered(chunk.id);
      if (known && !known.provisional) {
        await store.increment(backfillId, 'reused');
        await store.transition(backfillId, chunk.id, known.rows > 0 ? 'loaded' : 'empty', { now: deps.now() });
        logOutcome(logger, chunk, { outcome: 'reused', rows: known.rows, calls: 0, durationMs: 0 });
        return 'reused';
      }
    }
    const foreign = fingerprintMismatch(job.data.fingerprint, deps.fingerprint);
    if (foreign) {
      const message = `${FOREIGN_JOB}: this worker does not fetch chunk ${chunk.id}: ${foreign}`;
      await store.recordOutcome(backfillId, chunk.id, 'failed', FOREIGN_JOB, message, deps.now());
      logger.error({ chunk: chunk.id, code: FOREIGN_JOB }, message);
      throw new UnrecoverableError(message);
    }
    await store.transition(backfillId, chunk.id, 'fetching', { now: deps.now() });
    const grantUs = await deps.pacer.acquire();
    // Nothing but the call itself between the pacer's go and the request leaving: every millisecond of delay
    // there is jitter the quota has to absorb. The call is counted while it is under way.
    const started = Date.now();
    const counted = store.increment(backfillId, 'calls');
    let rows;
    let fetchedAt: number;
    try {
      // Both awaited together, so a failing call is never an unhandled rejection while the count is written.
      const [response] = await Promise.all([deps.api.describeDomainRealTimeSrcTrafficData({ domainName: chunk.domain, startTime: chunk.callStart, endTime: chunk.callEnd }), counted]);
      fetchedAt = deps.now();
      rows = rowsInChunk(normaliseSrcTraffic(response, { domain: chunk.domain, start: chunk.callStart, end: chunk.callEnd }), chunk);
    } catch (err) {
      await counted.catch(() => undefined);
      return handleFailure(deps, job, err, started, grantUs);
    }
    const provisional = chunkHasProvisionalSlots(chunk, deps.tiers, fetchedAt);
    const calls = job.attemptsStarted;
    if (rows.length === 0) {
      await store.remember(chunk.id, { domain: chunk.domain, intervalS: chunk.intervalS, start: chunk.start, end: chunk.end, rows: 0, fetchedAt, provisional });
      await store.transition(backfillId, chunk.id, 'empty', { now: deps.now() });
      logOutcome(logger, chunk, { outcome: 'empty', rows: 0, calls, durationMs: Date.now() - started });
      return 'empty';
    }
    const data: LoadJobData = { backfillId, chunk, fetchedAt, provisional, calls, rows: compactRows(rows) };
    await deps.loadQueue.add(LOAD_JOB_NAME, data, loadJobOptions(loadJobId(backfillId, chunk.id, round)));
    await store.transition(backfillId, chunk.id, 'loading', { now: deps.now() });
    return 'loading';
  };
}

async function handleFailure(deps: FetchStageDeps, job: Job<FetchJobData>, err: unknown, started: number, grantUs: number): Promise<FetchOutcome> {
  const { store, logger } = deps;
  const { backfillId, chunk, refetch, round } = job.data;
  const now = deps.now();
  const code = failureCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.kind === 'throttled') {
    await store.increment(backfillId, 'throttles');
    // The pacer learns what is left of the quota; the queue holds back for the rest of the spent second (or the
    // API's Retry-After).
    const pauseMs = await deps.pacer.onThrottle(grantUs, err.retryAfterMs);
    await deps.fetchQueue.rateLimit(pauseMs);
    await store.transition(backfillId, chunk.id, 'pending', { now });
    logger.debug({ chunk: chunk.id, code, pauseMs }, 'throttled: the queue slows down, no attempt used');
    throw Worker.RateLimitError();
  }
  if (err instanceof ApiError && err.kind === 'permanent' && err.apiCode === VALUE_NOT_SUPPORTED) {
    const replacements = replanAtCoarserTier(chunk, now, deps.tiers, deps.marginMs);
    if (replacements && replacements.length > 0) {
      await store.addChunks(backfillId, replacements);
      await deps.fetchQueue.addBulk(
        replacements.map((c) => ({
          name: FETCH_JOB_NAME,
          data: { backfillId, chunk: c, refetch, round, replannedFrom: chunk.id, ...(job.data.fingerprint ? { fingerprint: job.data.fingerprint } : {}) },
          opts: fetchJobOptions(fetchJobId(backfillId, c.id, round)),
        })),
      );
      await store.recordOutcome(backfillId, chunk.id, 'replanned', code, `re-planned as ${replacements.map((c) => c.id).join(', ')}`, now);
      logOutcome(logger, chunk, { outcome: 'replanned', rows: 0, calls: job.attemptsStarted, durationMs: Date.now() - started, code, into: replacements.map((c) => c.id) });
      return 'replanned';
    }
  }
  const permanent = err instanceof ApiError ? err.kind === 'permanent' : false;
  const attempts = isContentError(err) ? Math.min(CONTENT_ATTEMPTS, job.opts.attempts ?? 1) : (job.opts.attempts ?? 1);
  const lastAttempt = job.attemptsMade + 1 >= attempts;
  if (permanent || lastAttempt) {
    await store.recordOutcome(backfillId, chunk.id, 'failed', code, message, now);
    logOutcome(logger, chunk, { outcome: 'failed', rows: 0, calls: job.attemptsStarted, durationMs: Date.now() - started, code, message });
    // UnrecoverableError also ends a job whose content-error budget is smaller than its BullMQ attempts.
    // What BullMQ keeps as failedReason (Redis, the dashboard): the code and the message.
    throw new UnrecoverableError(message.startsWith(code) ? message : `${code}: ${message}`);
  }
  await store.increment(backfillId, 'retries');
  await store.transition(backfillId, chunk.id, 'pending', { now });
  logger.debug({ chunk: chunk.id, code, attempt: job.attemptsMade + 1, of: attempts }, 'transient failure: retrying with backoff');
  throw err;
}

/** A wrong answer rather than a failed exchange: see CONTENT_ATTEMPTS. */
function isContentError(err: unknown): boolean {
  return err instanceof ResponseInvalidError || (err instanceof ApiError && CONTENT_API_CODES.has(err.apiCode));
}

const CONTENT_API_CODES: ReadonlySet<string> = new Set(['Response.Unparsable', 'Response.TooLarge']);

/** One structured line per chunk outcome. */
export function logOutcome(
  logger: Logger,
  chunk: Chunk,
  fields: { outcome: string; rows: number; calls: number; durationMs: number; code?: string; message?: string; into?: string[] },
): void {
  const line = {
    outcome: fields.outcome,
    domain: chunk.domain,
    start: new Date(chunk.start).toISOString(),
    end: new Date(chunk.end).toISOString(),
    intervalS: chunk.intervalS,
    rows: fields.rows,
    calls: fields.calls,
    durationMs: fields.durationMs,
    ...(fields.code ? { code: fields.code } : {}),
    ...(fields.message ? { message: fields.message } : {}),
    ...(fields.into ? { into: fields.into } : {}),
  };
  if (fields.outcome === 'failed') logger.warn(line, 'chunk failed');
  else logger.info(line, 'chunk ended');
}
