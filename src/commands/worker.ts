/** `cdn-etl worker`: runs the fetch and load workers until SIGINT/SIGTERM; start several to scale out. */
import { loadConfig, requireCredentials } from '../config.js';
import { createLogger } from '../ops/logger.js';
import { createApiClient, startPipelineRuntime } from '../pipeline/pipeline-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import { DEFAULT_GUARD_MS } from '../pipeline/redis-pacer.js';
import { intFlag, parseCommandArgs, stringFlag } from './args.js';
import { EXIT_OK, type Command } from './command.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run fetch and load workers until stopped',
  help: [
    'Usage: cdn-etl worker [--concurrency N] [--qps N]',
    '',
    'Processes the queued chunks of every backfill (and sync) on this Redis prefix until SIGINT/SIGTERM.',
    'Start several, on any machine that reaches Redis: together they never exceed CDN_API_QPS calls per second.',
    'On a signal, chunks in flight finish (or go back to the queue); nothing is lost.',
    '',
    'Options:',
    `  --concurrency N   concurrent fetches in this process (default ${DEFAULT_FETCH_CONCURRENCY})`,
    '  --qps N           API calls per second shared by all workers (env CDN_API_QPS, default 10)',
    '  --pace-guard-ms N jitter budget per second of the global pacing, ms (default 50: 95% of --qps)',
    '  --log-level LEVEL (env LOG_LEVEL)',
  ].join('\n'),
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { concurrency: { type: 'string' }, qps: { type: 'string' }, 'pace-guard-ms': { type: 'string' }, 'log-level': { type: 'string' } });
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const guardMs = intFlag(args, 'pace-guard-ms', DEFAULT_GUARD_MS, 0, 500);
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), logLevel: stringFlag(args, 'log-level') });
    const api = createApiClient(config, requireCredentials(config));
    const logger = createLogger({ level: config.logLevel });
    const runtime = await startPipelineRuntime(config, api, { fetchConcurrency: concurrency, guardMs, logger });
    logger.info({ prefix: config.redisPrefix, qps: config.apiQps, concurrency }, 'worker started');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('worker stopping: finishing chunks in flight');
    await runtime.close();
    logger.info('worker stopped');
    return EXIT_OK;
  },
};
