/**
 * Writes TrafficRows into QuestDB over ILP/HTTP, exactly once however often they are sent.
 *
 * Rows go out in explicit batches; each batch is one flush, i.e. one transaction. The client
 * drops the rows of a failed flush, so a batch is rebuilt from the caller's rows and re-sent;
 * DEDUP UPSERT KEYS on the table makes a re-sent (or a timed-out but committed) batch harmless.
 * load() resolves only when QuestDB accepted every row (in the WAL; use waitUntilVisible to read
 * them back).
 *
 * One owner of retries: every flush is ONE bounded attempt (the client's own retries are off, and
 * its node:http transport ends an attempt within request_timeout). Who tries again is an option:
 * the loader itself, with backoff until a deadline (`retries: 'loader'`, for direct users), or the
 * caller (`retries: 'caller'`: the pipeline, whose BullMQ load job backs off and retries the load).
 *
 * Why node:http and not the client's default undici transport: that one wraps every request in an
 * undici RetryAgent with maxRetries Infinity, and a connection that is refused never reaches the
 * point where the abort of retry_timeout applies, so a flush to a QuestDB that is down never ends
 * (measured with 4.2.0: past 15 s at retry_timeout 0, 1 and 300; the node:http transport failed in
 * 0.2 s). A flush that cannot end cannot be retried by anyone.
 */
import type { Sender } from '@questdb/nodejs-client';
import { InvalidArgumentError, LoadError, ServiceUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffDelayMs, type BackoffPolicy } from '../core/backoff.js';
import { pause } from '../core/sleep.js';
import { DEFAULT_BACKOFF, flushFailureKind } from './flush-retry.js';
import { asQuestDbEndpoint, type QuestDbEndpoint, type QuestDbHttp } from './questdb-access.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import { createIlpSenders, type IlpSenders } from './ilp-sender.js';
import { assertSqlName, quoteStringLiteral } from './sql-quote.js';
import { assertLoadableRows, type LoadRow } from './traffic-rows.js';

export type { LoadRow } from './traffic-rows.js';

export const DEFAULT_TABLE = 'cdn_src_traffic';
/**
 * Rows per QuestDB flush (one HTTP request, one transaction). The load stage's group commit gathers exactly this
 * many at most, so in the pipeline rows are cut into batches once, here.
 */
export const DEFAULT_BATCH_ROWS = 20_000;
export const DEFAULT_DEADLINE_MS = 10 * 60_000;

/** Generous per-row estimate (table, domain, columns) so a batch rarely needs the buffer to grow. */
const BYTES_PER_ROW_ESTIMATE = 128;
const MAX_BUFFER_BYTES = 1024 * 1024 * 1024;

export interface TrafficLoaderOptions {
  /** QuestDB's HTTP side with its credentials and CA (app-runtime.ts questDbEndpointOf), or a bare origin without any. */
  readonly questdbHttp: QuestDbHttp;
  /** Target table; must exist with WAL and DEDUP (run `cdn-etl migrate`). Default `cdn_src_traffic`. */
  readonly table?: string;
  /** Rows per flush (one transaction). Default 50,000. */
  readonly batchRows?: number;
  /**
   * Who re-sends a batch whose flush failed. `loader` (default): load() re-sends it with `backoff` until
   * `deadlineMs`. `caller`: load() rejects with LoadError at the first failed flush, and the caller retries the
   * load (the pipeline's load job does, with BullMQ's backoff); the loader then never nests a retry loop in the
   * caller's.
   */
  readonly retries?: 'loader' | 'caller';
  /** With `retries: 'loader'`: how long one batch may keep failing before load() gives up with LoadError. Default 10 min. */
  readonly deadlineMs?: number;
  /** Wait for QuestDB's answer to one flush (plus the time the batch needs at 100 KiB/s). Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly logger?: Logger;
  /** Told about every flush attempt: for metrics and tests. Must not throw. */
  readonly onBatch?: (event: LoadBatchEvent) => void;
  /** Jitter source, [0, 1). Default Math.random. */
  readonly random?: () => number;
}

export interface LoadOptions {
  /** Epoch ms written to `fetched_at` for rows that carry no `fetchedAt`. Default: when load() is called. */
  readonly fetchedAt?: number;
  /** Stops retrying (and rejects with LoadError) once aborted; a flush in progress still completes. */
  readonly signal?: AbortSignal;
}

export interface LoadResult {
  /** Rows accepted by QuestDB. */
  readonly rows: number;
  /** Batches (flushes that succeeded). */
  readonly batches: number;
  /** Failed flush attempts that were retried and then succeeded. */
  readonly retries: number;
}

export interface LoadBatchEvent {
  readonly batchIndex: number;
  readonly rows: number;
  /** 1 for the first attempt of this batch. */
  readonly attempt: number;
  readonly outcome: 'ok' | 'retrying' | 'failed';
  readonly durationMs: number;
  readonly error?: string;
  /** Wait before the next attempt, when retrying. */
  readonly retryInMs?: number;
}

/** A flush in progress; its promise never rejects. */
interface InFlight {
  readonly sender: Sender;
  readonly batchIndex: number;
  readonly start: number;
  readonly end: number;
  readonly began: number;
  readonly outcome: Promise<{ ok: true } | { ok: false; err: unknown }>;
}

/** Rows built between two yields to the event loop while a flush is on the wire. */
const ROWS_PER_YIELD = 4_096;

/**
 * Two Senders, used in turn: while one flush is on the wire, the next batch is built in the other
 * Sender's buffer. At most one flush is in flight at any time (so batches commit in order and no
 * Sender ever runs two flushes at once), and a batch whose flush failed is rebuilt from the
 * caller's rows without disturbing the batch already built in the other Sender.
 */
export class TrafficLoader {
  private readonly senders: readonly [Sender, Sender];
  private readonly ilp: IlpSenders;
  private readonly table: string;
  private readonly questdb: QuestDbEndpoint;
  private readonly batchRows: number;
  private readonly deadlineMs: number;
  private readonly callerRetries: boolean;
  private readonly backoff: BackoffPolicy;
  private readonly logger: Logger | undefined;
  private readonly onBatch: ((event: LoadBatchEvent) => void) | undefined;
  private readonly random: () => number;
  private tail: Promise<unknown> = Promise.resolve();
  private tableVerified = false;
  private closed = false;

  private constructor(ilp: IlpSenders, options: Required<Pick<TrafficLoaderOptions, 'questdbHttp' | 'table' | 'batchRows' | 'deadlineMs'>> & TrafficLoaderOptions) {
    this.senders = [ilp.senders[0]!, ilp.senders[1]!];
    this.ilp = ilp;
    this.table = options.table;
    this.questdb = asQuestDbEndpoint(options.questdbHttp);
    this.batchRows = options.batchRows;
    this.deadlineMs = options.deadlineMs;
    this.callerRetries = options.retries === 'caller';
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logger = options.logger;
    this.onBatch = options.onBatch;
    this.random = options.random ?? Math.random;
  }

  /**
   * Validates the options and builds the Senders. Needs no server: the protocol version is pinned,
   * so a loader can be created while QuestDB is still starting.
   *
   * @example const loader = await TrafficLoader.create({ questdbHttp: 'http://127.0.0.1:9000' });
   * @throws InvalidArgumentError for a bad option.
   */
  static async create(options: TrafficLoaderOptions): Promise<TrafficLoader> {
    const table = assertSqlName(options.table ?? DEFAULT_TABLE, 'table');
    const batchRows = positiveInt(options.batchRows ?? DEFAULT_BATCH_ROWS, 'batchRows', 10_000_000);
    const deadlineMs = positiveInt(options.deadlineMs ?? DEFAULT_DEADLINE_MS, 'deadlineMs', 7 * 24 * 3_600_000);
    const requestTimeoutMs = positiveInt(options.requestTimeoutMs ?? 30_000, 'requestTimeoutMs', 3_600_000);
    if (options.retries !== undefined && options.retries !== 'loader' && options.retries !== 'caller') {
      throw new InvalidArgumentError(`must be 'loader' or 'caller', got ${JSON.stringify(options.retries)}`, 'retries');
    }
    const endpoint = asQuestDbEndpoint(options.questdbHttp);
    const initBuf = Math.min(Math.max(64 * 1024, batchRows * BYTES_PER_ROW_ESTIMATE), 256 * 1024 * 1024);
    // One attempt per flush: the node:http transport, and none of the client's own retries (see the header).
    const ilp = await createIlpSenders(endpoint, { requestTimeoutMs, initBufBytes: initBuf, maxBufBytes: MAX_BUFFER_BYTES, logger: options.logger }, 2);
    return new TrafficLoader(ilp, { ...options, questdbHttp: endpoint, table, batchRows, deadlineMs });
  }

  /**
   * Writes `rows` in batches of `batchRows`, in order. Resolves only when QuestDB accepted every row.
   * Calls are serialised: a second load() starts when the first has ended.
   *
   * @example await loader.load([{ ts: Date.UTC(2026, 0, 1), domain: 'a.com', intervalS: 300, value: 123 }]);
   * @throws InvalidArgumentError (nothing sent) when a row is malformed; LoadError naming the batch,
   *   its row count and the cause when a batch failed for good (earlier batches stay written).
   */
  load(rows: readonly LoadRow[], options: LoadOptions = {}): Promise<LoadResult> {
    if (this.closed) return Promise.reject(new InvalidArgumentError('load() called after close()', 'TrafficLoader'));
    const run = this.tail.then(() => this.loadNow(rows, options));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for loads in progress, then releases the connections. Rows never given to load() are not affected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.ilp.close();
  }

  private async loadNow(rows: readonly LoadRow[], options: LoadOptions): Promise<LoadResult> {
    assertLoadableRows(rows);
    const fetchedAt = options.fetchedAt ?? Date.now();
    if (!Number.isSafeInteger(fetchedAt)) throw new InvalidArgumentError(`must be whole epoch milliseconds, got ${String(fetchedAt)}`, 'fetchedAt');
    const signal = options.signal;
    const batches = Math.ceil(rows.length / this.batchRows);
    let retries = 0;
    let inFlight: InFlight | undefined;
    try {
      for (let b = 0; b < batches; b++) {
        const sender = this.senders[b % 2]!;
        const start = b * this.batchRows;
        const end = Math.min(start + this.batchRows, rows.length);
        if (!this.tableVerified) {
          // The very first batch of a loader goes alone: it carries the table check.
          retries += (await this.sendBatch(sender, rows, start, end, b, fetchedAt, signal)) - 1;
          continue;
        }
        try {
          await this.fill(sender, rows, start, end, fetchedAt, inFlight !== undefined);
        } catch (err) {
          sender.reset();
          throw new LoadError(`batch ${b} (${end - start} rows) could not be built: ${describe(err)}`, b, end - start, { cause: err });
        }
        if (inFlight) {
          const done = inFlight;
          inFlight = undefined;
          retries += (await this.complete(done, rows, fetchedAt, signal)) - 1;
        }
        inFlight = this.startFlush(sender, b, start, end);
      }
      if (inFlight) {
        const done = inFlight;
        inFlight = undefined;
        retries += (await this.complete(done, rows, fetchedAt, signal)) - 1;
      }
    } finally {
      // Whatever failed, no flush may outlive this load: the next one would share its Sender.
      if (inFlight) await inFlight.outcome;
      for (const sender of this.senders) sender.reset();
    }
    return { rows: rows.length, batches, retries };
  }

  private startFlush(sender: Sender, batchIndex: number, start: number, end: number): InFlight {
    const outcome = sender.flush().then(
      () => ({ ok: true }) as const,
      (err: unknown) => ({ ok: false, err }) as const,
    );
    return { sender, batchIndex, start, end, began: Date.now(), outcome };
  }

  /** Waits for a pipelined flush; if it failed, re-sends that batch until it succeeds. Returns attempts. */
  private async complete(flight: InFlight, rows: readonly LoadRow[], fetchedAt: number, signal: AbortSignal | undefined): Promise<number> {
    const result = await flight.outcome;
    if (result.ok) {
      this.onBatch?.({ batchIndex: flight.batchIndex, rows: flight.end - flight.start, attempt: 1, outcome: 'ok', durationMs: Date.now() - flight.began });
      return 1;
    }
    flight.sender.reset();
    return this.sendBatch(flight.sender, rows, flight.start, flight.end, flight.batchIndex, fetchedAt, signal, { err: result.err, began: flight.began });
  }

  /**
   * Sends rows[start, end) as one flush until it succeeds; returns the number of attempts.
   * `prior` is a first attempt that already failed (a pipelined flush).
   */
  private async sendBatch(
    sender: Sender,
    rows: readonly LoadRow[],
    start: number,
    end: number,
    batchIndex: number,
    fetchedAt: number,
    signal: AbortSignal | undefined,
    prior?: { err: unknown; began: number },
  ): Promise<number> {
    const count = end - start;
    const deadline = (prior?.began ?? Date.now()) + this.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      let began = Date.now();
      let failure: unknown;
      if (attempt === 1 && prior) {
        failure = prior.err;
        began = prior.began;
      } else {
        try {
          if (!this.tableVerified) await this.verifyTable();
          await this.fill(sender, rows, start, end, fetchedAt, false);
          await sender.flush();
          this.onBatch?.({ batchIndex, rows: count, attempt, outcome: 'ok', durationMs: Date.now() - began });
          return attempt;
        } catch (err) {
          // A failed flush already emptied the buffer; a failure while filling may have left part of a row.
          sender.reset();
          failure = err;
        }
      }
      const permanent = failure instanceof TableUnusableError || flushFailureKind(failure) === 'permanent';
      const reason = describe(failure);
      const wait = backoffDelayMs(attempt, this.backoff, this.random());
      const now = Date.now();
      if (permanent || this.callerRetries || signal?.aborted === true || now + wait > deadline) {
        this.onBatch?.({ batchIndex, rows: count, attempt, outcome: 'failed', durationMs: now - began, error: reason });
        const why =
          failure instanceof TableUnusableError
            ? 'the table is unusable'
            : permanent
              ? 'QuestDB refused it'
              : this.callerRetries
                ? 'the flush failed (the caller retries the load)'
                : signal?.aborted
                  ? 'the load was cancelled'
                  : `still failing after ${attempt} attempts (deadline ${this.deadlineMs} ms)`;
        throw new LoadError(`batch ${batchIndex} (${count} rows) was not written to ${this.table}: ${why}: ${reason}`, batchIndex, count, { cause: failure });
      }
      this.onBatch?.({ batchIndex, rows: count, attempt, outcome: 'retrying', durationMs: now - began, error: reason, retryInMs: wait });
      this.logger?.warn({ table: this.table, batchIndex, rows: count, attempt, retryInMs: wait, err: reason }, 'QuestDB flush failed; re-sending the batch');
      await pause(wait, signal);
      if (signal?.aborted) {
        this.onBatch?.({ batchIndex, rows: count, attempt, outcome: 'failed', durationMs: Date.now() - began, error: reason });
        throw new LoadError(`batch ${batchIndex} (${count} rows) was not written to ${this.table}: the load was cancelled after ${attempt} attempts: ${reason}`, batchIndex, count, { cause: failure });
      }
    }
  }

  /**
   * Appends rows[start, end) to `sender`'s buffer. Indices, not slices: no copy of the caller's rows.
   * While a flush is on the wire, yields to the event loop now and then so its socket keeps moving
   * (awaiting `at()` only runs microtasks, which never let I/O through).
   */
  private async fill(sender: Sender, rows: readonly LoadRow[], start: number, end: number, fetchedAt: number, yieldForIo: boolean): Promise<void> {
    const table = this.table;
    let untilYield = ROWS_PER_YIELD;
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      sender
        .table(table)
        .symbol('domain', row.domain)
        .intColumn('interval_s', row.intervalS)
        .floatColumn('value', row.value)
        .timestampColumn('fetched_at', row.fetchedAt ?? fetchedAt, 'ms');
      await sender.at(row.ts, 'ms');
      if (yieldForIo && --untilYield === 0) {
        untilYield = ROWS_PER_YIELD;
        await yieldToEventLoop();
      }
    }
  }

  /**
   * ILP creates a missing table on the fly, without DEDUP: loading before `migrate` would silently
   * lose idempotency. So the first batch checks the table once; QuestDB being down here counts as a
   * failed attempt like any other.
   */
  private async verifyTable(): Promise<void> {
    const result = await execSql(this.questdb, `SELECT walEnabled, dedup FROM tables() WHERE table_name = ${quoteStringLiteral(this.table)}`, { timeoutMs: 10_000 });
    const row = rowsAsObjects(result)[0];
    if (row === undefined) {
      throw new TableUnusableError(`table ${this.table} does not exist in QuestDB at ${this.questdb.origin}: run cdn-etl migrate first`);
    }
    if (row.walEnabled !== true || row.dedup !== true) {
      throw new TableUnusableError(`table ${this.table} must be a WAL table with DEDUP UPSERT KEYS (walEnabled=${String(row.walEnabled)}, dedup=${String(row.dedup)})`);
    }
    this.tableVerified = true;
  }
}

/** Internal: the target table cannot take idempotent writes; re-sending cannot help. Surfaces as LoadError. */
class TableUnusableError extends Error {}

function positiveInt(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}, got ${String(value)}`, name);
  return value;
}

function describe(err: unknown): string {
  if (err instanceof ServiceUnavailableError) return err.message;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
