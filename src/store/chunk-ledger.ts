/**
 * The chunk ledger (table cdn_etl_ledger, migration 007): QuestDB's own record of what has been archived, one row
 * per chunk fetched and loaded. The pipeline writes a row after the chunk's traffic rows were accepted, and asks the
 * ledger, before spending a call, which chunks are already archived final. So Redis holds only work in flight and
 * can be lost: a rerun reuses everything the ledger knows, with no call (docs/PIPELINE.md).
 *
 * A row is written after its chunk's traffic rows, never before: a crash in between costs one call on a rerun,
 * never a chunk believed archived that is not.
 */
import type { Chunk } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import { createIlpSender, type IlpSender } from './ilp-sender.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import type { QuestDbHttp } from './questdb-access.js';
import { quoteStringLiteral } from './sql-quote.js';

export const LEDGER_TABLE = 'cdn_etl_ledger';

/** One archived chunk. */
export interface LedgerEntry {
  readonly domain: string;
  readonly intervalS: number;
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  /** Slots the API returned for the chunk (0: an empty answer). */
  readonly rows: number;
  readonly fetchedAt: number;
  /** Every slot was final (no longer revised) when fetched. */
  readonly final: boolean;
}

/** What the pipeline asks before a call: which of these chunks are archived final (chunk id -> rows). */
export interface LedgerReader {
  knownFinal(chunks: readonly Chunk[]): Promise<Map<string, number>>;
}

/** What the load stage tells after a load. */
export interface LedgerWriter {
  record(entries: readonly LedgerEntry[]): Promise<void>;
}

/** Chunks per ledger query: a bounded IN list, so the query string stays a few kilobytes. */
const QUERY_CHUNKS = 200;
/** Domains per counting query (countFinal). */
const COUNT_DOMAINS = 200;

/** The ledger over QuestDB's HTTP side: ILP for writes, /exec for reads. */
export class ChunkLedger implements LedgerReader, LedgerWriter {
  private tail: Promise<unknown> = Promise.resolve();
  /** Made at the first record(): a ledger that is only asked holds no connection. */
  private ilp: Promise<IlpSender> | undefined;

  /** Needs no server until the first call. */
  constructor(private readonly options: { readonly questdbHttp: QuestDbHttp; readonly logger?: Logger | undefined }) {}

  /**
   * Writes the entries as one flush (one transaction). Calls are serialised: one Sender never runs two flushes.
   * @throws whatever the flush threw; the entries are not kept (the caller's load job retries as a whole).
   */
  record(entries: readonly LedgerEntry[]): Promise<void> {
    const run = this.tail.then(async () => {
      if (entries.length === 0) return;
      this.ilp ??= createIlpSender(this.options.questdbHttp, { requestTimeoutMs: 30_000, logger: this.options.logger });
      const { sender } = await this.ilp;
      try {
        for (const e of entries) {
          sender
            .table(LEDGER_TABLE)
            .symbol('domain', e.domain)
            .intColumn('interval_s', e.intervalS)
            .timestampColumn('chunk_end', e.end, 'ms')
            .intColumn('rows', e.rows)
            .booleanColumn('final', e.final)
            .timestampColumn('fetched_at', e.fetchedAt, 'ms');
          await sender.at(e.start, 'ms');
        }
        await sender.flush();
      } finally {
        sender.reset();
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * How many chunks of the domains `names` lying within [from, to) the ledger holds as archived final: what a
   * backfill of that range reuses at most (a chunk planned differently near a horizon does not match and is fetched
   * again). One query per COUNT_DOMAINS domains, whatever the length of the range.
   */
  async countFinal(names: readonly string[], from: number, to: number, options: { readonly timeoutMs?: number } = {}): Promise<number> {
    let count = 0;
    for (let i = 0; i < names.length; i += COUNT_DOMAINS) {
      const domains = names.slice(i, i + COUNT_DOMAINS).map(quoteStringLiteral).join(', ');
      const result = await execSql(
        this.options.questdbHttp,
        `SELECT count() FROM ${LEDGER_TABLE} WHERE final AND domain IN (${domains}) AND ts >= ${quoteStringLiteral(new Date(from).toISOString())} AND chunk_end <= ${quoteStringLiteral(new Date(to).toISOString())}`,
        { timeoutMs: options.timeoutMs ?? 30_000 },
      );
      count += Number(result.dataset[0]?.[0] ?? 0);
    }
    return count;
  }

  /**
   * The chunks among `chunks` that the ledger holds as archived final, with their row counts. Exact identity:
   * domain, interval, start and end must all match (a chunk planned differently near a horizon is not reused).
   * Domains are validated names and times are numbers, both quoted as literals (sql-quote.ts).
   */
  async knownFinal(chunks: readonly Chunk[]): Promise<Map<string, number>> {
    const known = new Map<string, number>();
    for (let i = 0; i < chunks.length; i += QUERY_CHUNKS) {
      const part = chunks.slice(i, i + QUERY_CHUNKS);
      const wanted = new Map(part.map((c) => [identity(c.domain, c.intervalS, c.start, c.end), c.id]));
      const domains = [...new Set(part.map((c) => c.domain))].map(quoteStringLiteral).join(', ');
      const starts = [...new Set(part.map((c) => c.start))].map((t) => quoteStringLiteral(new Date(t).toISOString())).join(', ');
      const result = await execSql(
        this.options.questdbHttp,
        `SELECT domain, ts, interval_s, chunk_end, rows FROM ${LEDGER_TABLE} WHERE final AND domain IN (${domains}) AND ts IN (${starts})`,
        { timeoutMs: 30_000 },
      );
      for (const r of rowsAsObjects(result)) {
        const id = wanted.get(identity(String(r.domain), Number(r.interval_s), Date.parse(String(r.ts)), Date.parse(String(r.chunk_end))));
        if (id !== undefined) known.set(id, Number(r.rows));
      }
    }
    return known;
  }

  async close(): Promise<void> {
    await this.tail;
    const ilp = await this.ilp?.catch(() => undefined);
    this.ilp = undefined;
    await ilp?.close();
  }
}

function identity(domain: string, intervalS: number, start: number, end: number): string {
  return `${domain}|${intervalS}|${start}|${end}`;
}
