/** `cdn-etl worker`: runs the fetch and load workers until SIGINT/SIGTERM; start several to scale out. */
import { loadConfig, requireCredentials } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { CdnEtlMetrics } from '../ops/metrics.js';
import { parseOpsFlags, startOpsServerFromFlags } from './ops-flags.js';
import { attachWorkerMetrics } from '../ops/worker-metrics.js';
import { createApiClient, questDbEndpointOf, startPipelineRuntime } from '../app/app-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import { DEFAULT_GUARD_MS } from '../redis/redis-pacer.js';
import { commandBody, intFlag, stringFlag } from './args.js';
import { EXIT_OK } from './command.js';
import { DEFAULT_DRAIN_S, drainWithin, EXIT_DRAIN_TIMEOUT } from './drain-timeout.js';


export const workerCommand = commandBody({
  name: 'worker',
  async run(args, ctx) {
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const guardMs = intFlag(args, 'pace-guard-ms', DEFAULT_GUARD_MS, 0, 500);
    const drainS = intFlag(args, 'drain-timeout', DEFAULT_DRAIN_S, 1, 3600);
    const ops = parseOpsFlags(args.values);
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), logLevel: stringFlag(args, 'log-level') });
    const logger = createLogger({ level: config.logLevel, color: ctx.color });
    const metrics = new CdnEtlMetrics({ onSourceError: (source, err) => logger.debug({ source, err: (err as Error).message }, 'metrics source failed') });
    const api = createApiClient(config, requireCredentials(config), { logger, onCall: (e) => metrics.recordApiCall(e) });
    // Before the workers: a port given and taken is refused (exit 2) before any job is taken.
    const server = await startOpsServerFromFlags(ops, { config, questdb: questDbEndpointOf(config), metrics, logger });
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
