/** `cdn-etl worker`: runs the fetch and load workers until SIGINT/SIGTERM; start several to scale out. */
import { loadConfig, requireCredentials } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { CdnEtlMetrics } from '../ops/metrics.js';
import { OPS_FLAG_OPTIONS, OPS_FLAGS_HELP, parseOpsFlags, startOpsServerFromFlags } from './ops-flags.js';
import { attachWorkerMetrics } from '../ops/worker-metrics.js';
import { createApiClient, startPipelineRuntime, useQuestDbAccess } from '../app/app-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import { DEFAULT_GUARD_MS } from '../redis/redis-pacer.js';
import { flagCommand, intFlag, stringFlag, WORKER_OPTIONS } from './args.js';
import { EXIT_OK } from './command.js';
import { DEFAULT_DRAIN_S, DRAIN_TIMEOUT_HELP, DRAIN_TIMEOUT_OPTION, drainWithin, EXIT_DRAIN_TIMEOUT } from './drain-timeout.js';


export const workerCommand = flagCommand({
  name: 'worker',
  summary: 'run fetch and load workers until stopped',
  help: [
    'Usage: cdn-etl worker [--concurrency N] [--qps N] [--http-port N] [--http-host H] [--queues-actions]',
    '',
    'Processes the queued chunks of every backfill (and sync) on this Redis prefix until SIGINT/SIGTERM.',
    'Start several, on any machine that reaches Redis: together they never exceed CDN_API_QPS calls per second.',
    'On a signal, chunks in flight finish (or go back to the queue); nothing is lost. A second signal exits at once.',
    'Serves /metrics (Prometheus), /healthz and the queue dashboard /queues (docs/OPERATIONS.md).',
    '',
    'Options:',
    `  --concurrency N   concurrent fetches in this process (default ${DEFAULT_FETCH_CONCURRENCY})`,
    '  --qps N           API calls per second shared by all workers (env CDN_API_QPS, default 10)',
    '  --pace-guard-ms N end of each second in which the pacer grants no call, room for jitter (default 200)',
    '  --log-level LEVEL (env LOG_LEVEL)',
    ...DRAIN_TIMEOUT_HELP,
    ...OPS_FLAGS_HELP,
  ].join('\n'),
  options: { ...WORKER_OPTIONS, 'pace-guard-ms': { type: 'string' }, ...DRAIN_TIMEOUT_OPTION, ...OPS_FLAG_OPTIONS },
  async run(args, ctx) {
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const guardMs = intFlag(args, 'pace-guard-ms', DEFAULT_GUARD_MS, 0, 500);
    const drainS = intFlag(args, 'drain-timeout', DEFAULT_DRAIN_S, 1, 3600);
    const ops = parseOpsFlags(args.values);
    const config = useQuestDbAccess(loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), logLevel: stringFlag(args, 'log-level') }));
    const logger = createLogger({ level: config.logLevel });
    const metrics = new CdnEtlMetrics({ onSourceError: (source, err) => logger.debug({ source, err: (err as Error).message }, 'metrics source failed') });
    const api = createApiClient(config, requireCredentials(config), { logger, onCall: (e) => metrics.recordApiCall(e) });
    // Before the workers: a port given and taken is refused (exit 2) before any job is taken.
    const server = await startOpsServerFromFlags(ops, { config, metrics, logger });
    try {
      const runtime = await startPipelineRuntime(config, api, { fetchConcurrency: concurrency, guardMs, logger, onLoadBatch: (e) => metrics.recordLoadFlush(e) });
      const detachMetrics = attachWorkerMetrics(metrics, runtime.workers);
      logger.info({ prefix: config.redisPrefix, qps: config.apiQps, concurrency, http: server?.url ?? 'off' }, 'worker started');
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      logger.info('worker stopping: finishing chunks in flight');
      const drained = await drainWithin(runtime.close(), drainS, () => runtime.abandon(), logger);
      detachMetrics();
      if (!drained) return EXIT_DRAIN_TIMEOUT;
    } finally {
      // Last, so /metrics and /healthz answer while the workers drain.
      await server?.close();
    }
    logger.info('worker stopped');
    return EXIT_OK;
  },
});
