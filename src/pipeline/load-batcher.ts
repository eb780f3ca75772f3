/**
 * Group commit for the load stage: rows submitted by many load jobs within a short window go to QuestDB in one
 * loader call, then their chunks' ledger entries in one ledger write, and every submitter learns the outcome of
 * that flush. The ledger is written after the rows, never before (store/chunk-ledger.ts). Flushes never overlap.
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
  /** Flush at the latest this long after the first row of a batch arrived, ms (default 250). */
  readonly maxWaitMs?: number;
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
  /** Flushes done so far (for tests and metrics). */
  flushes = 0;

  constructor(
    private readonly sink: RowSink,
    options: LoadBatcherOptions = {},
  ) {
    this.maxRows = options.maxRows ?? DEFAULT_BATCH_ROWS;
    this.maxWaitMs = options.maxWaitMs ?? 250;
    this.ledger = options.ledger;
  }

  /** Resolves once these rows were accepted by the sink (and `entry` by the ledger), rejects with the error otherwise. */
  submit(rows: readonly TrafficRow[], entry?: LedgerEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const r of rows) this.rows.push(r);
      if (entry) this.entries.push(entry);
      this.waiters.push({ resolve, reject });
      if (this.rows.length >= this.maxRows) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.maxWaitMs);
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
