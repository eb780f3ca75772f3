/**
 * The fetch stage: one BullMQ job per chunk of a backfill's window, exactly one API call per attempt, paced
 * globally. Before the call, the call gate (call-gate.lua) lets only one chunk ask about an account or a domain the
 * backfill has no answer for yet, so a wrong secret or an unknown domain costs one call, not one per chunk; then
 * the backfill's budget (call-budget.ts, `--max-qps`) delays a chunk of a capped backfill that spent its second.
 * Turns API outcomes into queue signals, by the reach of the error (classify-error.ts errorScope):
 * - throttled -> the whole queue slows down and no attempt is used; transient -> rethrow for backoff;
 * - InvalidStartTime.ValueNotSupported -> the chunk is re-planned at the next coarser tier;
 * - a domain refused (InvalidDomain.NotFound, ...) -> the domain's chunks end `refused` without calls;
 * - the account refused (SignatureDoesNotMatch, ...) -> the backfill halts after that one answer;
 * - any other permanent error, or the last attempt -> the chunk fails with the API's code recorded.
 * Rows (none, for an empty answer) go to the load stage as job data, so a QuestDB outage never costs another call.
 */
import { randomBytes } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { CdnApi } from '../aliyun/api-types.js';
import { normaliseSrcTraffic } from '../aliyun/normalise-src-traffic.js';
import { isSlotFinal, tierByInterval, type Tier } from '../aliyun/tiers.js';
import { ACCOUNT_SCOPED_CODES, errorScope } from '../aliyun/classify-error.js';
import { ApiError, isCdnEtlError, ResponseInvalidError } from '../core/errors.js';
import type { FetchOutcome } from '../core/chunk-outcome.js';
import type { Chunk } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import { replanAtCoarserTier, rowsInChunk } from '../plan/plan-backfill.js';
import type { BackfillStore } from './backfill-store.js';
import { fingerprintMismatch } from '../core/job-fingerprint.js';
import type { BackfillWindow } from './backfill-window.js';
import { CONTENT_ATTEMPTS, compactRows, LOAD_JOB_NAME, loadJobId, loadJobOptions, type FetchJobData, type LoadJobData } from './pipeline-jobs.js';
import type { Pacer } from '../redis/redis-pacer.js';

export const VALUE_NOT_SUPPORTED = 'InvalidStartTime.ValueNotSupported';
/** The code of a chunk refused because its job was planned for another endpoint or account. */
export const FOREIGN_JOB = 'Job.ForeignConfiguration';

export interface FetchStageDeps {
  readonly api: CdnApi;
  readonly pacer: Pacer;
  readonly store: BackfillStore;
  /** Refilled when a chunk ends here; takes the replacements of a re-planned chunk. */
  readonly window: Pick<BackfillWindow, 'nudge' | 'enqueue'>;
  readonly fetchQueue: Queue<FetchJobData>;
  readonly loadQueue: Queue<LoadJobData>;
  readonly tiers: readonly Tier[];
  readonly marginMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** This worker's configuration (core/job-fingerprint.ts); a job planned for another is refused. */
  readonly fingerprint?: string | undefined;
  /** How long a chunk waits while another asks the API whether the account or domain is usable, ms. */
  readonly gateWaitMs?: number;
}

export const DEFAULT_GATE_WAIT_MS = 500;

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
export function createFetchProcessor(deps: FetchStageDeps): (job: Job<FetchJobData>, token?: string) => Promise<FetchOutcome> {
  const { store, logger } = deps;
  return async (job, token) => {
    const { backfillId, chunk, round } = job.data;
    const entry = await store.inFlight(backfillId, chunk.id);
    // Only a chunk in its backfill's window is fetched: a duplicated or out-of-date job, or one whose rows are
    // already queued for loading, costs nothing.
    if (!entry || entry.state === 'loading' || entry.round !== round) return 'skipped';
    const foreign = fingerprintMismatch(job.data.fingerprint, deps.fingerprint);
    if (foreign) {
      const message = `${FOREIGN_JOB}: this worker does not fetch chunk ${chunk.id}: ${foreign}`;
      await endChunk(deps, backfillId, chunk, 'failed', { code: FOREIGN_JOB, message });
      logger.error({ chunk: chunk.id, code: FOREIGN_JOB }, message);
      throw new UnrecoverableError(message);
    }
    const verdict = await store.gate(backfillId, 'enter', chunk.domain, chunk.id);
    if (verdict === 'halted') return 'halted';
    if (verdict === 'refused') {
      await endChunk(deps, backfillId, chunk, 'refused');
      return 'refused';
    }
    if (verdict === 'wait') {
      // Another chunk is asking the API whether the account or this domain is usable: ask again shortly, without
      // using an attempt (a delayed job is not a failure).
      await job.moveToDelayed(Date.now() + (deps.gateWaitMs ?? DEFAULT_GATE_WAIT_MS), token);
      throw new DelayedError();
    }
    // The backfill's budget (--max-qps, call-budget.ts) before the shared pacer: a capped backfill that spent its
    // calls of the last second waits for its reserved time, without using an attempt; the pacer is not asked.
    const budgetWaitMs = await store.spend(backfillId, job.id ?? chunk.id, `${job.id ?? chunk.id}:${randomBytes(4).toString('hex')}`);
    if (budgetWaitMs > 0) {
      await job.moveToDelayed(Date.now() + budgetWaitMs, token);
      throw new DelayedError();
    }
    const probe = verdict === 'probe';
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
      return handleFailure(deps, job, token, err, started, probe, grantUs);
    }
    if (probe) await store.gate(backfillId, 'confirm', chunk.domain, chunk.id);
    const provisional = chunkHasProvisionalSlots(chunk, deps.tiers, fetchedAt);
    const calls = callsMade(job);
    // Empty answers go through the load stage too: the ledger records them, so a domain without traffic costs no
    // call on a rerun.
    const data: LoadJobData = { backfillId, chunk, fetchedAt, provisional, calls, round, rows: compactRows(rows) };
    await deps.loadQueue.add(LOAD_JOB_NAME, data, loadJobOptions(loadJobId(backfillId, chunk.id, round)));
    await store.transition(backfillId, chunk.id, 'loading', { now: deps.now() });
    return 'loading';
  };
}

/** Ends a chunk of the window and lets the window refill. */
async function endChunk(deps: FetchStageDeps, backfillId: string, chunk: Chunk, state: 'failed' | 'refused', failure?: { code: string; message: string }): Promise<void> {
  await deps.store.transition(backfillId, chunk.id, state, { now: deps.now(), ...(failure ? { failure: { ...failure, chunk } } : {}) });
  deps.window.nudge(backfillId);
}

async function handleFailure(deps: FetchStageDeps, job: Job<FetchJobData>, token: string | undefined, err: unknown, started: number, probe: boolean, grantUs: number): Promise<FetchOutcome> {
  const { store, logger } = deps;
  const { backfillId, chunk, round } = job.data;
  const now = deps.now();
  const code = failureCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.kind === 'throttled') {
    // A probe stays this chunk's: it is asked again as soon as the queue moves.
    await store.increment(backfillId, 'throttles');
    // The pacer learns what is left of the quota; the queue holds back for the rest of the spent second (or the
    // API's Retry-After).
    const pauseMs = await deps.pacer.onThrottle(grantUs, err.retryAfterMs);
    await deps.fetchQueue.rateLimit(pauseMs);
    await store.transition(backfillId, chunk.id, 'pending', { now });
    logger.debug({ chunk: chunk.id, code, pauseMs }, 'throttled: the queue slows down, no attempt used');
    await recordCalls(job);
    // Delayed rather than RateLimitError: BullMQ puts a rate-limited job with a priority back without waking any
    // worker (they sleep out their drain delay, 5 s); a delayed job is promoted with a wake-up. Neither uses an
    // attempt. The pacer's pause slows every worker down meanwhile.
    await job.moveToDelayed(Date.now() + pauseMs, token);
    throw new DelayedError();
  }
  const permanent = err instanceof ApiError && err.kind === 'permanent';
  if (permanent && err.apiCode === VALUE_NOT_SUPPORTED) {
    // The API answered about the time, so it knows the account and the domain.
    if (probe) await store.gate(backfillId, 'confirm', chunk.domain, chunk.id);
    const replacements = replanAtCoarserTier(chunk, now, deps.tiers, deps.marginMs);
    if (replacements && replacements.length > 0) {
      await store.transition(backfillId, chunk.id, 'replanned', { now, replanned: { code, chunk, into: replacements, round } });
      const m = (await store.meta(backfillId)) ?? {};
      await deps.window.enqueue(backfillId, m, replacements, round, chunk.id);
      logOutcome(logger, chunk, { outcome: 'replanned', rows: 0, calls: callsMade(job), durationMs: Date.now() - started, code, into: replacements.map((c) => c.id) });
      return 'replanned';
    }
  }
  const scope = permanent ? errorScope(err.apiCode) : 'chunk';
  if (scope === 'domain') {
    await store.gate(backfillId, 'refuse', chunk.domain, chunk.id, { code, message, at: now });
    await endChunk(deps, backfillId, chunk, 'refused');
    logger.warn({ domain: chunk.domain, code, message }, 'the API refused the domain: its other chunks end without a call');
    return 'refused';
  }
  if (scope === 'account') {
    // The chunk goes back to the window: `--retry-failed` resumes it once the account is fixed.
    await store.gate(backfillId, 'halt', chunk.domain, chunk.id, { code, message });
    await store.transition(backfillId, chunk.id, 'pending', { now });
    logger.error({ backfill: backfillId, code, message, fix: ACCOUNT_SCOPED_CODES.get(code) }, 'the API refused the account: the backfill makes no more calls');
    return 'halted';
  }
  const attempts = isContentError(err) ? Math.min(CONTENT_ATTEMPTS, job.opts.attempts ?? 1) : (job.opts.attempts ?? 1);
  const lastAttempt = job.attemptsMade + 1 >= attempts;
  if (permanent || lastAttempt) {
    if (probe) await store.gate(backfillId, 'release', chunk.domain, chunk.id);
    await endChunk(deps, backfillId, chunk, 'failed', { code, message });
    logOutcome(logger, chunk, { outcome: 'failed', rows: 0, calls: callsMade(job), durationMs: Date.now() - started, code, message });
    // UnrecoverableError also ends a job whose content-error budget is smaller than its BullMQ attempts.
    // What BullMQ keeps as failedReason (Redis, the dashboard): the code and the message.
    throw new UnrecoverableError(message.startsWith(code) ? message : `${code}: ${message}`);
  }
  await store.increment(backfillId, 'retries');
  await store.transition(backfillId, chunk.id, 'pending', { now });
  await recordCalls(job);
  logger.debug({ chunk: chunk.id, code, attempt: job.attemptsMade + 1, of: attempts }, 'transient failure: retrying with backoff');
  throw err;
}

/** The calls made for the job's chunk, this run's included (called once the run has made its call). */
function callsMade(job: Job<FetchJobData>): number {
  return (job.data.calls ?? 0) + 1;
}

/** Carries this run's call into the job's next run. Only a log line depends on it: a failure here changes nothing else. */
async function recordCalls(job: Job<FetchJobData>): Promise<void> {
  await job.updateData({ ...job.data, calls: callsMade(job) }).catch(() => undefined);
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
