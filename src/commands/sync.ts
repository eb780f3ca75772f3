/**
 * `cdn-etl sync`: keeps the archive current. Runs the pipeline's workers in this process and, on a BullMQ job
 * scheduler shared by every `sync` process of the installation, one pass per period (or one pass now with
 * `--once`). Exit (with --once) 0 every chunk done, 1 some chunk failed, 2 bad input, 3 a service is unavailable,
 * 130 interrupted; without --once, 0 after a clean stop on SIGINT/SIGTERM.
 */
import { loadConfig, requireCredentials } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { CdnEtlMetrics } from '../ops/metrics.js';
import { attachWorkerMetrics } from '../ops/worker-metrics.js';
import type { RunningOpsServer } from '../ops/ops-server.js';
import { parseOpsFlags, startOpsServerFromFlags } from './ops-flags.js';
import { FETCH_QUEUE, LOAD_QUEUE } from '../pipeline/pipeline-keys.js';
import { closeRedis, createApiClient, openRedisConnection, questDbEndpointOf, startSyncRuntime, type SyncRuntime } from '../app/app-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import { parseDomains, parseInstant } from '../plan/plan-backfill.js';
import { parseDuration } from '../core/parse-duration.js';
import { formatDuration } from '../core/time-format.js';
import { SYNC_QUEUE } from '../sync/sync-keys.js';
import type { SyncSelection } from '../sync/sync-pass.js';
import { DEFAULT_SYNC_MODE, defaultLookbackMs, SYNC_MODES, type SyncMode } from '../sync/sync-plan.js';
import { runSyncDryRun } from './plan-dry-run.js';
import { formatPassReport } from '../sync/sync-report.js';
import { readWatermarks } from '../sync/watermark-store.js';
import { MAX_QPS_CAP } from '../pipeline/call-budget.js';
import { booleanFlag, commandBody, intFlag, optionalIntFlag, stringFlag, zoneFlag } from './args.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './command.js';
import { DEFAULT_DRAIN_S, drainWithin, EXIT_DRAIN_TIMEOUT } from './drain-timeout.js';

export const DEFAULT_EVERY_MS = 5 * 60_000;
const MIN_EVERY_MS = 1_000;
const MAX_EVERY_MS = 24 * 3_600_000;
const MAX_LOOKBACK_MS = 7 * 24 * 3_600_000;


export const syncCommand = commandBody({
  name: 'sync',
  async run(args, ctx) {
    // Everything is validated before the first connection: bad input exits 2 having touched nothing.
    const domainsFlag = stringFlag(args, 'domains');
    const allDomains = booleanFlag(args, 'all-domains');
    if (allDomains && domainsFlag !== undefined) throw new InvalidArgumentError('give either --domains or --all-domains, not both', '--all-domains');
    if (!allDomains && (domainsFlag === undefined || domainsFlag.trim() === '')) throw new InvalidArgumentError('is required (or --all-domains)', '--domains');
    const selection: SyncSelection = allDomains ? { kind: 'all-domains' } : { kind: 'domains', domains: parseDomains(domainsFlag!) };
    const sinceFlag = stringFlag(args, 'since');
    const since = sinceFlag === undefined ? undefined : parseInstant(sinceFlag, '--since', { now: Date.now(), zone: zoneFlag(args, ctx) });
    const once = booleanFlag(args, 'once');
    const everyFlag = stringFlag(args, 'every');
    if (once && everyFlag !== undefined) throw new InvalidArgumentError('cannot be combined with --once', '--every');
    const everyMs = everyFlag === undefined ? DEFAULT_EVERY_MS : parseDuration(everyFlag, '--every', MIN_EVERY_MS, MAX_EVERY_MS);
    const lookbackFlag = stringFlag(args, 'lookback');
    const lookbackMs = lookbackFlag === undefined ? defaultLookbackMs() : parseDuration(lookbackFlag, '--lookback', 0, MAX_LOOKBACK_MS);
    const modeFlag = stringFlag(args, 'mode');
    if (modeFlag !== undefined && !(SYNC_MODES as readonly string[]).includes(modeFlag)) throw new InvalidArgumentError(`must be ${SYNC_MODES.join(' or ')}, got ${JSON.stringify(modeFlag)}`, '--mode');
    const mode = (modeFlag ?? DEFAULT_SYNC_MODE) as SyncMode;
    const freshFlag = stringFlag(args, 'fresh-domains');
    const freshDomains = freshFlag === undefined ? [] : parseDomains(freshFlag, '--fresh-domains');
    if (freshFlag !== undefined && mode !== 'archive') throw new InvalidArgumentError('needs --mode archive (in fresh mode every domain is fresh)', '--fresh-domains');
    if (selection.kind === 'domains') {
      const outside = freshDomains.filter((d) => !selection.domains.includes(d));
      if (outside.length > 0) throw new InvalidArgumentError(`not in --domains: ${outside.join(',')}`, '--fresh-domains');
    }
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const maxQps = optionalIntFlag(args, 'max-qps', 1, MAX_QPS_CAP);
    const drainS = intFlag(args, 'drain-timeout', DEFAULT_DRAIN_S, 1, 3600);
    if (booleanFlag(args, 'dry-run')) {
      return runSyncDryRun(ctx, loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps') }), { selection, mode, freshDomains, everyMs, lookbackMs });
    }
    const ops = parseOpsFlags(args.values);
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), logLevel: stringFlag(args, 'log-level') });
    if (since !== undefined && since > Date.now()) throw new InvalidArgumentError(`${sinceFlag} is in the future`, '--since');
    const logger = createLogger({ level: config.logLevel, color: ctx.color });
    const metrics = new CdnEtlMetrics({ onSourceError: (source, err) => logger.debug({ source, err: (err as Error).message }, 'metrics source failed') });
    const api = createApiClient(config, requireCredentials(config), { logger, onCall: (e) => metrics.recordApiCall(e) });

    let runtime: SyncRuntime | undefined;
    let abandoned = false;
    let opsServer: RunningOpsServer | undefined;
    const watermarkRedis = ops.port !== undefined ? await openRedisConnection(config, 'cdn-etl-sync-watermarks') : undefined;
    try {
      // Same rule as `worker`: a port given and taken is refused; only the default port may be skipped.
      opsServer = await startOpsServerFromFlags(ops, {
        config,
        questdb: questDbEndpointOf(config),
        queueNames: [FETCH_QUEUE, LOAD_QUEUE, SYNC_QUEUE],
        watermarks: () => readWatermarks(watermarkRedis!, config.redisPrefix),
        metrics,
        logger,
      });
      runtime = await startSyncRuntime(config, api, {
        selection,
        since,
        lookbackMs,
        mode,
        freshDomains,
        everyMs,
        once,
        fetchConcurrency: concurrency,
        logger,
        onLoadBatch: (e) => metrics.recordLoadFlush(e),
        onPass: once ? undefined : (report) => ctx.stdout.write(formatPassReport(report)),
      });
      const service = runtime.service;
      const started = runtime;
      const detachMetrics = attachWorkerMetrics(metrics, service.workers);
      // On a signal the runtime closes (a running pass is aborted, chunks in flight end); a close that outlasts the
      // drain timeout (Redis or QuestDB down) is abandoned and the command returns EXIT_DRAIN_TIMEOUT.
      let drain: Promise<boolean> | undefined;
      const startDrain = (): Promise<boolean> => (drain ??= drainWithin(started.close(), drainS, () => started.abandon(), logger));
      const stopped = new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const drainTimedOut = stopped.then(async () => ((await startDrain()) ? new Promise<never>(() => undefined) : ('drain-timeout' as const)));
      // Awaited only by a --once run; a failed close is reported by whoever awaits startDrain().
      drainTimedOut.catch(() => undefined);
      try {
        if (service.oncePass) {
          // An abandoned pass fails as its connections drop: that failure is the drain timeout, not an outage to report.
          const pass = service.oncePass.catch(async (err: unknown) => {
            if (drain !== undefined && !(await drain)) return 'drain-timeout' as const;
            throw err;
          });
          const report = await Promise.race([pass, drainTimedOut]);
          // A pass stopped by a signal ends at once; the stop itself may still outlast the drain timeout.
          if (report === 'drain-timeout' || (drain !== undefined && !(await drain))) return EXIT_DRAIN_TIMEOUT;
          ctx.stdout.write(formatPassReport(report));
          return report.state === 'interrupted' ? EXIT_INTERRUPTED : report.state === 'failed' ? EXIT_FAILED : EXIT_OK;
        }
        logger.info({ every: formatDuration(everyMs), lookback: formatDuration(lookbackMs), selection: selection.kind }, 'sync started');
        await stopped;
        logger.info('sync stopping: finishing the pass and chunks in flight');
        return (await startDrain()) ? EXIT_OK : EXIT_DRAIN_TIMEOUT;
      } finally {
        detachMetrics();
        if (drain === undefined || (await drain)) {
          await started.close();
          logger.info('sync stopped');
        } else {
          abandoned = true;
        }
      }
    } finally {
      // An abandoned runtime is not waited for again: its close is what did not end.
      if (runtime && !abandoned) await runtime.close();
      else if (!runtime) await api.close();
      await opsServer?.close();
      await closeRedis(watermarkRedis);
    }
  },
});
