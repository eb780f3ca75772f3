import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CdnEtlMetrics, freshnessLagSeconds, sumRunningChunkStates, type MetricsSources } from '../../src/ops/metrics.js';
import { attachWorkerMetrics, fetchResultOutcome, isFinalFailure } from '../../src/ops/worker-metrics.js';

/** The value of one exposition line, e.g. `cdn_etl_api_calls_total{action="A",outcome="ok"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function quietMetrics(extra: ConstructorParameters<typeof CdnEtlMetrics>[0] = {}): CdnEtlMetrics {
  return new CdnEtlMetrics({ defaultMetrics: false, ...extra });
}

describe('CdnEtlMetrics events', () => {
  it('counts API calls by action and outcome, throttles and error codes, and observes latency', async () => {
    const m = quietMetrics();
    const A = 'DescribeDomainRealTimeSrcTrafficData';
    m.recordApiCall({ action: A, outcome: 'ok', durationMs: 40 });
    m.recordApiCall({ action: A, outcome: 'ok', durationMs: 60 });
    m.recordApiCall({ action: A, outcome: 'throttled', apiCode: 'Throttling.User', durationMs: 5 });
    m.recordApiCall({ action: A, outcome: 'permanent', apiCode: 'InvalidDomain.NotFound', durationMs: 7 });
    m.recordApiCall({ action: 'DescribeUserDomains', outcome: 'transient', durationMs: 15_000 });
    const text = await m.text();
    expect(sample(text, `cdn_etl_api_calls_total{action="${A}",outcome="ok"}`)).toBe(2);
    expect(sample(text, `cdn_etl_api_calls_total{action="${A}",outcome="throttled"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_calls_total{action="${A}",outcome="permanent"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_throttles_total{action="${A}"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_errors_total{action="${A}",code="Throttling.User"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_errors_total{action="${A}",code="InvalidDomain.NotFound"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_errors_total{action="DescribeUserDomains",code="Unknown"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_call_duration_seconds_count{action="${A}",outcome="ok"}`)).toBe(2);
    expect(sample(text, `cdn_etl_api_call_duration_seconds_sum{action="${A}",outcome="ok"}`)).toBeCloseTo(0.1, 9);
    expect(sample(text, `cdn_etl_api_call_duration_seconds_bucket{le="0.05",action="${A}",outcome="ok"}`)).toBe(1);
    expect(sample(text, `cdn_etl_api_call_duration_seconds_bucket{le="10",action="DescribeUserDomains",outcome="transient"}`)).toBe(0);
    expect(sample(text, `cdn_etl_api_call_duration_seconds_bucket{le="20",action="DescribeUserDomains",outcome="transient"}`)).toBe(1);
  });

  it('labels an error by a known code only: a hostile or unknown Code from the API is counted as other', async () => {
    const m = quietMetrics();
    const A = 'DescribeDomainRealTimeSrcTrafficData';
    for (let i = 0; i < 50; i++) m.recordApiCall({ action: A, outcome: 'permanent', apiCode: `Evil.${i}.${'x'.repeat(200)}`, durationMs: 1 });
    m.recordApiCall({ action: A, outcome: 'transient', apiCode: 'ServiceUnavailable', durationMs: 1 });
    m.recordApiCall({ action: A, outcome: 'transient', apiCode: 'Http.502', durationMs: 1 });
    m.recordApiCall({ action: A, outcome: 'transient', apiCode: 'Http.99999', durationMs: 1 });
    m.recordApiCall({ action: A, outcome: 'permanent', apiCode: 'InvalidFoo.Malformed', durationMs: 1 });
    const text = await m.text();
    const series = text.split('\n').filter((l) => l.startsWith('cdn_etl_api_errors_total{'));
    expect(series.sort()).toEqual([
      `cdn_etl_api_errors_total{action="${A}",code="Http.502"} 1`,
      `cdn_etl_api_errors_total{action="${A}",code="ServiceUnavailable"} 1`,
      `cdn_etl_api_errors_total{action="${A}",code="other"} 52`,
    ]);
  });

  it('counts chunk ends (rows only for loaded), retries by stage and loader flushes, all starting at 0', async () => {
    const m = quietMetrics();
    let text = await m.text();
    for (const outcome of ['loaded', 'empty', 'reused', 'replanned', 'failed']) expect(sample(text, `cdn_etl_chunks_ended_total{outcome="${outcome}"}`)).toBe(0);
    expect(sample(text, 'cdn_etl_rows_loaded_total')).toBe(0);
    expect(sample(text, 'cdn_etl_retries_total{stage="fetch"}')).toBe(0);
    m.recordChunkEnd('loaded', 60);
    m.recordChunkEnd('loaded', 12);
    m.recordChunkEnd('empty', 99);
    m.recordChunkEnd('failed');
    m.recordRetry('fetch');
    m.recordRetry('load');
    m.recordRetry('load');
    m.recordLoadFlush({ rows: 72, outcome: 'ok', durationMs: 20 });
    m.recordLoadFlush({ rows: 72, outcome: 'retrying', durationMs: 3 });
    text = await m.text();
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="loaded"}')).toBe(2);
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="empty"}')).toBe(1);
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'cdn_etl_rows_loaded_total')).toBe(72);
    expect(sample(text, 'cdn_etl_retries_total{stage="fetch"}')).toBe(1);
    expect(sample(text, 'cdn_etl_retries_total{stage="load"}')).toBe(2);
    expect(sample(text, 'cdn_etl_load_flushes_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'cdn_etl_load_flushes_total{outcome="retrying"}')).toBe(1);
  });

  it('prefixes every metric name, Node default metrics included', async () => {
    const text = await new CdnEtlMetrics().text();
    const names = text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !n.startsWith('cdn_etl_'))).toEqual([]);
    expect(names).toContain('cdn_etl_process_cpu_seconds_total');
    expect(names).toContain('cdn_etl_nodejs_heap_size_used_bytes');
  });
});

describe('CdnEtlMetrics scrape-time sources', () => {
  it('reads queue depths, chunk states, freshness lag and dependencies on each scrape', async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const m = quietMetrics({ now: () => now });
    m.setWatermark('a.example.com', now - 600_000);
    let waiting = 3;
    m.useSources({
      queueCounts: async () => ({ fetch: { waiting, active: 1, delayed: 2, failed: 0 }, load: { waiting: 0, active: 0, delayed: 0, failed: 4 } }),
      chunkStates: async () => ({ pending: 5, loaded: 7 }),
      watermarks: async () => new Map([['b.example.com', now - 90_000]]),
      dependencies: async () => ({ redis: { ok: true }, questdb: { ok: false } }),
    });
    let text = await m.text();
    expect(sample(text, 'cdn_etl_queue_jobs{queue="fetch",state="waiting"}')).toBe(3);
    expect(sample(text, 'cdn_etl_queue_jobs{queue="fetch",state="delayed"}')).toBe(2);
    expect(sample(text, 'cdn_etl_queue_jobs{queue="load",state="failed"}')).toBe(4);
    expect(sample(text, 'cdn_etl_chunks{state="pending"}')).toBe(5);
    expect(sample(text, 'cdn_etl_freshness_lag_seconds{domain="a.example.com"}')).toBe(600);
    expect(sample(text, 'cdn_etl_freshness_lag_seconds{domain="b.example.com"}')).toBe(90);
    expect(sample(text, 'cdn_etl_dependency_up{service="redis"}')).toBe(1);
    expect(sample(text, 'cdn_etl_dependency_up{service="questdb"}')).toBe(0);
    // The lag grows with the clock between scrapes, and depths follow the source.
    now += 60_000;
    waiting = 0;
    text = await m.text();
    expect(sample(text, 'cdn_etl_freshness_lag_seconds{domain="a.example.com"}')).toBe(660);
    expect(sample(text, 'cdn_etl_queue_jobs{queue="fetch",state="waiting"}')).toBe(0);
  });

  it('leaves a gauge empty, without failing the scrape, when its source fails or is too slow', async () => {
    const failures: string[] = [];
    const m = quietMetrics({ sourceTimeoutMs: 50, onSourceError: (source, err) => failures.push(`${source}: ${(err as Error).message}`) });
    m.useSources({
      queueCounts: async () => {
        throw new Error('Redis down');
      },
      chunkStates: () => new Promise(() => undefined),
    });
    const text = await m.text();
    expect(text).toContain('# TYPE cdn_etl_queue_jobs gauge');
    expect(text).not.toContain('cdn_etl_queue_jobs{');
    expect(text).not.toContain('cdn_etl_chunks{');
    expect(failures).toEqual(['queueCounts: Redis down', 'chunkStates: chunkStates took longer than 50 ms']);
  });

  it('removes exactly the sources it added when detached', async () => {
    const m = quietMetrics();
    const mine: MetricsSources = { chunkStates: async () => ({ pending: 1 }) };
    const detach = m.useSources(mine);
    m.useSources({ dependencies: async () => ({ redis: { ok: true } }) });
    expect(await m.text()).toContain('cdn_etl_chunks{state="pending"} 1');
    detach();
    const text = await m.text();
    expect(text).not.toContain('cdn_etl_chunks{');
    expect(text).toContain('cdn_etl_dependency_up{service="redis"} 1');
  });
});

describe('pure helpers', () => {
  it.each([
    { name: 'ten minutes behind', now: 1_000_000, watermark: 400_000, lag: 600 },
    { name: 'up to date', now: 1_000_000, watermark: 1_000_000, lag: 0 },
    { name: 'watermark ahead of a skewed clock reads 0', now: 1_000_000, watermark: 1_060_000, lag: 0 },
  ])('freshnessLagSeconds: $name', ({ now, watermark, lag }) => {
    expect(freshnessLagSeconds(now, watermark)).toBe(lag);
  });

  it.each([
    { name: 'no backfills: every state present at 0', summaries: [], out: { pending: 0, loaded: 0, failed: 0 } },
    {
      name: 'ended backfills are left out',
      summaries: [
        { state: 'running', counts: { pending: 2, loaded: 3, failed: 0 } },
        { state: 'done', counts: { pending: 0, loaded: 50, failed: 0 } },
        { state: 'running', counts: { pending: 1, loaded: 0, failed: 1 } },
        { state: 'failed', counts: { pending: 0, loaded: 9, failed: 1 } },
      ],
      out: { pending: 3, loaded: 3, failed: 1 },
    },
  ])('sumRunningChunkStates: $name', ({ summaries, out }) => {
    expect(sumRunningChunkStates(summaries, ['pending', 'loaded', 'failed'])).toEqual(out);
  });

  it.each([
    { result: 'refused', outcome: 'refused' },
    { result: 'replanned', outcome: 'replanned' },
    { result: 'loading', outcome: undefined },
    { result: 'skipped', outcome: undefined },
    { result: 'halted', outcome: undefined },
    { result: 42, outcome: undefined },
  ])('fetchResultOutcome($result) = $outcome', ({ result, outcome }) => {
    expect(fetchResultOutcome(result)).toBe(outcome);
  });

  it.each([
    { name: 'finished job', job: { finishedOn: 1 }, final: true },
    { name: 'job scheduled again', job: { finishedOn: undefined }, final: false },
    { name: 'no job', job: undefined, final: false },
  ])('isFinalFailure: $name', ({ job, final }) => {
    expect(isFinalFailure(job)).toBe(final);
  });
});

describe('attachWorkerMetrics', () => {
  it('turns worker events into chunk ends and retries, and stops when detached', async () => {
    const m = quietMetrics();
    const fetchWorker = new EventEmitter();
    const loadWorker = new EventEmitter();
    const window = new EventEmitter();
    const detach = attachWorkerMetrics(m, { fetchWorker, loadWorker, window });
    fetchWorker.emit('completed', {}, 'loading');
    window.emit('reused', 2);
    fetchWorker.emit('completed', {}, 'skipped');
    loadWorker.emit('completed', {}, 0);
    fetchWorker.emit('failed', { finishedOn: undefined }, new Error('Transport.Reset'));
    fetchWorker.emit('failed', { finishedOn: 5 }, new Error('InvalidDomain.NotFound'));
    loadWorker.emit('completed', {}, 60);
    loadWorker.emit('failed', {}, new Error('QuestDB down'));
    let text = await m.text();
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="reused"}')).toBe(2);
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="loaded"}')).toBe(1);
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="empty"}')).toBe(1);
    expect(sample(text, 'cdn_etl_chunks_ended_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'cdn_etl_rows_loaded_total')).toBe(60);
    expect(sample(text, 'cdn_etl_retries_total{stage="fetch"}')).toBe(1);
    expect(sample(text, 'cdn_etl_retries_total{stage="load"}')).toBe(1);
    detach();
    expect(fetchWorker.listenerCount('completed') + fetchWorker.listenerCount('failed') + loadWorker.listenerCount('completed') + window.listenerCount('reused')).toBe(0);
    loadWorker.emit('completed', {}, 60);
    text = await m.text();
    expect(sample(text, 'cdn_etl_rows_loaded_total')).toBe(60);
  });
});
