/**
 * Prometheus metrics of one cdn-etl process. Every name starts with `cdn_etl_` (Node's default process metrics
 * included), so one `{__name__=~"cdn_etl_.*"}` selects all of them.
 *
 * Two kinds of series:
 * - events this process saw (API calls, load flushes, chunk outcomes, retries): counters fed by `record*`
 *   methods, which the edges subscribe to (CdnClient `onCall`, TrafficLoader `onBatch`, BullMQ worker events);
 * - shared state read on each scrape (queue depths, chunk states of running backfills, freshness lag,
 *   whether Redis and QuestDB answer): gauges whose values come from `MetricsSources`. Every worker reports
 *   the same queue depths: aggregate them with max(), not sum().
 *
 * This module never opens a connection itself; a source that fails or is slow leaves its gauge empty for that
 * scrape instead of failing the scrape.
 */
import { boundedCode } from '../aliyun/classify-error.js';
import { CHUNK_OUTCOMES, type ChunkOutcome } from '../core/chunk-outcome.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'cdn_etl_';

/** Queue job states reported as depths. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];


/** The slice of an API attempt event the metrics read (CdnClient's ApiCallEvent fits). */
export interface ApiCallSample {
  readonly action: string;
  readonly outcome: 'ok' | 'throttled' | 'transient' | 'permanent';
  readonly apiCode?: string | undefined;
  readonly durationMs: number;
}

/** The slice of a load flush event the metrics read (TrafficLoader's LoadBatchEvent fits). */
export interface LoadFlushSample {
  readonly rows: number;
  readonly outcome: 'ok' | 'retrying' | 'failed';
  readonly durationMs: number;
}

export interface DependencyStatus {
  readonly ok: boolean;
}

/** Readers of shared state, called on every scrape. Each may be absent. */
export interface MetricsSources {
  /** Job counts per queue name, e.g. `{ fetch: { waiting: 3, active: 1, delayed: 0, failed: 0 } }`. */
  readonly queueCounts?: () => Promise<Readonly<Record<string, Partial<Record<QueueState, number>>>>>;
  /** Chunks per state summed over the backfills that are still running. */
  readonly chunkStates?: () => Promise<Readonly<Record<string, number>>>;
  /** Each domain's watermark (epoch ms: every slot before it is loaded and final). */
  readonly watermarks?: () => Promise<ReadonlyMap<string, number> | Readonly<Record<string, number>>>;
  /** Whether Redis and QuestDB answer, by service name. */
  readonly dependencies?: () => Promise<Readonly<Record<string, DependencyStatus>>>;
}

export interface MetricsOptions {
  /** Default: a new Registry (never prom-client's global one, so tests and library callers do not collide). */
  readonly registry?: Registry;
  /** Collect Node's default process metrics (prefixed `cdn_etl_`); default true. */
  readonly defaultMetrics?: boolean;
  /** Clock for the freshness lag; default Date.now. */
  readonly now?: () => number;
  /** Longest wait for one source on a scrape, ms (default 2000). */
  readonly sourceTimeoutMs?: number;
  /** Told when a source fails on a scrape (for a log line); must not throw. */
  readonly onSourceError?: (source: keyof MetricsSources, err: unknown) => void;
}

/** Call latency buckets, seconds: the API answers in 50 ms to a few seconds; the client gives up at 15 s. */
const API_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20];
const FLUSH_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The metrics of one process. Create one per process (or per test) and hand it to the ops server.
 *
 * @example
 * const metrics = new CdnEtlMetrics();
 * const api = new CdnClient({ ...options, onCall: (e) => metrics.recordApiCall(e) });
 * const text = await metrics.registry.metrics();
 */
export class CdnEtlMetrics {
  readonly registry: Registry;
  private readonly apiCalls: Counter<'action' | 'outcome'>;
  private readonly apiThrottles: Counter<'action'>;
  private readonly apiErrors: Counter<'action' | 'code'>;
  private readonly apiDuration: Histogram<'action' | 'outcome'>;
  private readonly retries: Counter<'stage'>;
  private readonly rowsLoaded: Counter;
  private readonly chunksEnded: Counter<'outcome'>;
  private readonly loadFlushes: Counter<'outcome'>;
  private readonly loadFlushDuration: Histogram<'outcome'>;
  private readonly watermarks = new Map<string, number>();
  private sources: MetricsSources = {};
  private readonly now: () => number;
  private readonly sourceTimeoutMs: number;
  private readonly onSourceError: (source: keyof MetricsSources, err: unknown) => void;

  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.now = options.now ?? Date.now;
    this.sourceTimeoutMs = options.sourceTimeoutMs ?? 2_000;
    this.onSourceError = options.onSourceError ?? (() => undefined);
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });

    this.apiCalls = new Counter({
      name: 'cdn_etl_api_calls_total',
      help: 'API call attempts (one HTTP request each) by action and outcome (ok, throttled, transient, permanent).',
      labelNames: ['action', 'outcome'],
      registers,
    });
    this.apiThrottles = new Counter({
      name: 'cdn_etl_api_throttles_total',
      help: 'API calls answered with a Throttling code: the account quota was exceeded.',
      labelNames: ['action'],
      registers,
    });
    this.apiErrors = new Counter({
      name: 'cdn_etl_api_errors_total',
      help: 'Failed API calls by action and error code (Throttling.User, InvalidDomain.NotFound, Transport.Timeout, ...); a code cdn-etl does not know is counted as other.',
      labelNames: ['action', 'code'],
      registers,
    });
    this.apiDuration = new Histogram({
      name: 'cdn_etl_api_call_duration_seconds',
      help: 'Duration of one API call attempt, by action and outcome.',
      labelNames: ['action', 'outcome'],
      buckets: API_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: 'cdn_etl_retries_total',
      help: 'Job attempts that failed and were scheduled again with backoff, by stage (fetch: transient API failure; load: QuestDB did not accept the rows).',
      labelNames: ['stage'],
      registers,
    });
    this.rowsLoaded = new Counter({
      name: 'cdn_etl_rows_loaded_total',
      help: 'Rows of chunks whose load into QuestDB completed (a chunk counts once per load).',
      registers,
    });
    this.chunksEnded = new Counter({
      name: 'cdn_etl_chunks_ended_total',
      help: 'Chunks that ended in this process, by outcome (loaded, empty, reused, replanned, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.loadFlushes = new Counter({
      name: 'cdn_etl_load_flushes_total',
      help: 'Flushes (one QuestDB transaction each) of the loader, by outcome (ok, retrying, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.loadFlushDuration = new Histogram({
      name: 'cdn_etl_load_flush_duration_seconds',
      help: 'Duration of one loader flush attempt, by outcome.',
      labelNames: ['outcome'],
      buckets: FLUSH_BUCKETS,
      registers,
    });
    for (const outcome of CHUNK_OUTCOMES) this.chunksEnded.inc({ outcome }, 0);
    for (const stage of ['fetch', 'load']) this.retries.inc({ stage }, 0);

    const self = this;
    new Gauge({
      name: 'cdn_etl_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed), read from Redis on scrape. The same in every process: aggregate with max().',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        const counts = await self.fromSource('queueCounts');
        if (!counts) return;
        for (const [queue, byState] of Object.entries(counts)) {
          for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: 'cdn_etl_chunks',
      help: 'Chunks of the backfills still running, by state (pending, fetching, loading, loaded, empty, failed, replanned), read from Redis on scrape.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const states = await self.fromSource('chunkStates');
        if (!states) return;
        for (const [state, n] of Object.entries(states)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'cdn_etl_freshness_lag_seconds',
      help: "Now minus each domain's watermark (every slot before it is loaded and final), seconds.",
      labelNames: ['domain'],
      registers,
      async collect() {
        this.reset();
        const merged = new Map(self.watermarks);
        const read = await self.fromSource('watermarks');
        if (read) for (const [domain, ms] of read instanceof Map ? read : Object.entries(read)) merged.set(domain, ms);
        const now = self.now();
        for (const [domain, ms] of merged) this.set({ domain }, freshnessLagSeconds(now, ms));
      },
    });
    new Gauge({
      name: 'cdn_etl_dependency_up',
      help: 'Whether a service this process needs answers (1) or not (0), checked on scrape: service="redis" or "questdb".',
      labelNames: ['service'],
      registers,
      async collect() {
        this.reset();
        const deps = await self.fromSource('dependencies');
        if (!deps) return;
        for (const [service, status] of Object.entries(deps)) this.set({ service }, status.ok ? 1 : 0);
      },
    });
  }

  /** One API attempt (subscribe to CdnClient's `onCall`). */
  recordApiCall(e: ApiCallSample): void {
    const labels = { action: e.action, outcome: e.outcome };
    this.apiCalls.inc(labels);
    this.apiDuration.observe(labels, Math.max(0, e.durationMs) / 1000);
    if (e.outcome === 'throttled') this.apiThrottles.inc({ action: e.action });
    if (e.outcome !== 'ok') this.apiErrors.inc({ action: e.action, code: boundedCode(e.apiCode) });
  }

  /** One loader flush attempt (subscribe to TrafficLoader's `onBatch`). */
  recordLoadFlush(e: LoadFlushSample): void {
    this.loadFlushes.inc({ outcome: e.outcome });
    this.loadFlushDuration.observe({ outcome: e.outcome }, Math.max(0, e.durationMs) / 1000);
  }

  /** A chunk ended; `rows` counts only for `loaded`. */
  recordChunkEnd(outcome: ChunkOutcome, rows = 0): void {
    this.chunksEnded.inc({ outcome });
    if (outcome === 'loaded' && rows > 0) this.rowsLoaded.inc(rows);
  }

  /** A failed attempt that will be tried again. */
  recordRetry(stage: 'fetch' | 'load'): void {
    this.retries.inc({ stage });
  }

  /** Sets a domain's watermark (epoch ms) for processes that track it in memory; sources may add more. */
  setWatermark(domain: string, watermarkMs: number): void {
    this.watermarks.set(domain, watermarkMs);
  }

  /**
   * Adds readers of shared state (a later call replaces the readers it names). Returns a function that removes
   * exactly those readers again (the ops server calls it when it closes).
   */
  useSources(sources: MetricsSources): () => void {
    this.sources = { ...this.sources, ...sources };
    return () => {
      const next: Record<string, unknown> = { ...this.sources };
      for (const key of Object.keys(sources) as Array<keyof MetricsSources>) if (this.sources[key] === sources[key]) delete next[key];
      this.sources = next as MetricsSources;
    };
  }

  /** The exposition text, as served on /metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  private async fromSource<K extends keyof MetricsSources>(key: K): Promise<Awaited<ReturnType<NonNullable<MetricsSources[K]>>> | undefined> {
    const source = this.sources[key];
    if (!source) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${key} took longer than ${this.sourceTimeoutMs} ms`)), this.sourceTimeoutMs);
      });
      return (await Promise.race([source(), timeout])) as Awaited<ReturnType<NonNullable<MetricsSources[K]>>>;
    } catch (err) {
      try {
        this.onSourceError(key, err);
      } catch {
        // A failing log subscriber must not fail the scrape.
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Seconds between `now` and a watermark (both epoch ms); never negative (a watermark ahead of a skewed clock reads 0). */
export function freshnessLagSeconds(now: number, watermarkMs: number): number {
  return Math.max(0, now - watermarkMs) / 1000;
}

/**
 * Sums the per-state chunk counts of the backfills still running (those with `state === 'running'`); every
 * state in `states` is present, 0 when no running backfill has a chunk in it. Pure; the ops server feeds it
 * BackfillStore summaries.
 */
export function sumRunningChunkStates(
  summaries: readonly { readonly state: string; readonly counts: Readonly<Record<string, number>> }[],
  states: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(states.map((s) => [s, 0]));
  for (const s of summaries) {
    if (s.state !== 'running') continue;
    for (const [state, n] of Object.entries(s.counts)) out[state] = (out[state] ?? 0) + n;
  }
  return out;
}
