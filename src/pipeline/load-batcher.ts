/**
 * Group commit for the load stage: rows submitted by many load jobs within a short window go to QuestDB in one
 * loader call (a lone chunk after a quiet moment goes at once), then their chunks' ledger entries in one ledger
 * write, and every submitter learns the outcome of that flush. The ledger is written after the rows, never before
 * (store/chunk-ledger.ts). Flushes never overlap.
 */
import type { TrafficRow } from '../core/model.js';
import type { LedgerEntry, LedgerWriter } from '../store/chunk-ledger.js';
import { DEFAULT_BATCH_ROWS } from '../store/traffic-loader.js';

/** The slice of TrafficLoader the batcher needs. */
export interface RowSink {
  load(rows: readonly TrafficRow[]): Promise<unknown>;
}

export interface LoadBatcherOptions {
  /** Flush once this many rows wait (default: the loader's DEFAULT_BATCH_ROWS, one flush of QuestDB). */
  readonly maxRows?: number;
  /**
   * Flushes start at most this often, ms (default 250): rows that arrive while the batcher is idle go out at once,
   * rows that arrive within this long of the last flush's start wait for the rest of it, with whatever comes next.
   */
  readonly maxWaitMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
  /** Where the chunks of each flush are recorded once their rows are in (none: nothing recorded). */
  readonly ledger?: LedgerWriter | undefined;
}


interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Collects rows of several jobs and writes them with one `sink.load()`. */
export class LoadBatcher {
  private rows: TrafficRow[] = [];
  private entries: LedgerEntry[] = [];
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxRows: number;
  private readonly maxWaitMs: number;
  private readonly ledger: LedgerWriter | undefined;
  private readonly now: () => number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Flushes done so far (for tests and metrics). */
  flushes = 0;

  constructor(
    private readonly sink: RowSink,
    options: LoadBatcherOptions = {},
  ) {
    this.maxRows = options.maxRows ?? DEFAULT_BATCH_ROWS;
    this.maxWaitMs = options.maxWaitMs ?? 250;
    this.ledger = options.ledger;
    this.now = options.now ?? Date.now;
  }

  /** Resolves once these rows were accepted by the sink (and `entry` by the ledger), rejects with the error otherwise. */
  submit(rows: readonly TrafficRow[], entry?: LedgerEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const r of rows) this.rows.push(r);
      if (entry) this.entries.push(entry);
      this.waiters.push({ resolve, reject });
      if (this.rows.length >= this.maxRows) this.flushNow();
      // Idle: at the end of this turn of the event loop (rows handed over together still share a flush), so a lone
      // chunk is not held back; busy: with the next flush, at most one per maxWaitMs, so a stream of chunks still
      // goes to QuestDB in few large writes. Never longer than maxWaitMs, whatever the wall clock does.
      else this.timer ??= setTimeout(() => this.flushNow(), Math.min(this.maxWaitMs, Math.max(0, this.lastFlushAt + this.maxWaitMs - this.now())));
    });
  }

  /** Flushes whatever waits and resolves when every flush started so far has ended. */
  async drain(): Promise<void> {
    if (this.waiters.length > 0) this.flushNow();
    await this.flushing;
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    const entries = this.entries;
    const waiters = this.waiters;
    this.rows = [];
    this.entries = [];
    this.waiters = [];
    if (waiters.length === 0) return;
    this.lastFlushAt = this.now();
    this.flushing = this.flushing.then(async () => {
      try {
        if (rows.length > 0) await this.sink.load(rows);
        if (entries.length > 0) await this.ledger?.record(entries);
        this.flushes += 1;
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    });
  }
}
