/**
 * `cdn-etl backfill`: validates, plans, enqueues and (unless --detach) runs the workers in this process until
 * every chunk of the backfill has ended. Exit 0 all done, 1 some chunk failed, 2 bad input (nothing enqueued,
 * no call made), 3 Redis/QuestDB unavailable, 130 interrupted (run it again to continue).
 */
import type { CdnClient } from '../aliyun/cdn-client.js';
import { loadConfig, requireCredentials, type Credentials } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { createProgressReporter } from '../ops/progress-bar.js';
import { BACKFILL_ID_PATTERN, type BackfillSummary } from '../pipeline/backfill-store.js';
import { resumeBackfill, retryFailedChunks, startBackfill, waitForBackfill } from '../pipeline/backfill-runner.js';
import type { PipelineClient } from '../pipeline/pipeline-client.js';
import { createApiClient, openPipelineClient, startPipelineRuntime } from '../app/app-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import { DEFAULT_GUARD_MS } from '../redis/redis-pacer.js';
import { MAX_QPS_CAP } from '../pipeline/call-budget.js';
import { booleanFlag, domainsFlag, commandBody, intFlag, optionalIntFlag, rangeFlags, stringFlag, zoneFlag, type ParsedArgs } from './args.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type CommandContext } from './command.js';
import { describeRange, formatFailures, formatHalt, formatRefused, formatWarnings } from './status.js';
import { describeInstant } from '../plan/parse-range.js';
import { chunkOf, planTemplates } from '../plan/plan-backfill.js';
import { nothingToLoad } from '../plan/horizon-report.js';
import { runBackfillDryRun } from './plan-dry-run.js';



export const backfillCommand = commandBody({
  name: 'backfill',
  async run(args, ctx) {
    // Everything is validated before the first connection: bad input exits 2 having touched nothing.
    const resumeId = stringFlag(args, 'resume');
    const retryId = stringFlag(args, 'retry-failed') ?? resumeId;
    const idFlag = resumeId !== undefined ? '--resume' : '--retry-failed';
    if (resumeId !== undefined && stringFlag(args, 'retry-failed') !== undefined) throw new InvalidArgumentError('cannot be combined with --retry-failed', '--resume');
    let request: { domains: string[]; from: number; to: number } | undefined;
    if (retryId !== undefined) {
      if (!BACKFILL_ID_PATTERN.test(retryId)) throw new InvalidArgumentError(`is not a backfill id (bf-YYYYMMDDTHHMMZ-xxxxxx): ${JSON.stringify(retryId)}`, idFlag);
      for (const flag of ['domains', 'from', 'to']) {
        if (stringFlag(args, flag) !== undefined) throw new InvalidArgumentError(`cannot be combined with ${idFlag} (the backfill has its own)`, `--${flag}`);
      }
    } else {
      const domains = domainsFlag(args);
      const { from, to } = rangeFlags(args, Date.now(), zoneFlag(args, ctx));
      request = { domains, from, to };
    }
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const guardMs = intFlag(args, 'pace-guard-ms', DEFAULT_GUARD_MS, 0, 500);
    const maxQps = optionalIntFlag(args, 'max-qps', 1, MAX_QPS_CAP);
    const detach = booleanFlag(args, 'detach');
    const refetch = booleanFlag(args, 'refetch');
    if (booleanFlag(args, 'dry-run')) {
      if (!request) throw new InvalidArgumentError('cannot be combined with --retry-failed', '--dry-run');
      return runBackfillDryRun(ctx, loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps') }), request);
    }
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), logLevel: stringFlag(args, 'log-level') });
    if (request) {
      // Pure, after every input is validated and before any connection: a range the API no longer holds at all is said, and exits 1, not "0 chunks".
      // The plan is the same for every domain: planned once (templates), never domains x chunks (10,000 domains).
      const now = Date.now();
      const { templates, unavailable } = planTemplates({ from: request.from, to: request.to, now });
      const label = request.domains.length === 1 ? request.domains[0]! : `every domain (${request.domains.length})`;
      const plan = { chunks: templates.length > 0 ? [chunkOf(templates[0]!, request.domains[0]!)] : [], unavailable: unavailable.map((u) => ({ ...u, domain: label })) };
      const nothing = nothingToLoad(plan, request.from, request.to, now);
      if (nothing !== undefined) {
        ctx.stderr.write(`cdn-etl backfill: ${nothing}`);
        return EXIT_FAILED;
      }
    }
    const showBar = ctx.stderr.isTTY === true;
    const progress = createProgressReporter({ stream: ctx.stderr, color: ctx.color });
    // On a terminal the bar tells the story; per-chunk lines would tear it apart. Log lines print above the bar.
    const logger = createLogger({
      level: showBar && config.logLevel === 'info' ? 'warn' : config.logLevel,
      color: ctx.color,
      onWarning: (message) => progress.noteWarning(message),
      ...(showBar ? { pretty: true, compact: true, destination: progress.logStream } : {}),
    });
    let credentials: Credentials | undefined;
    let api: CdnClient | undefined;
    if (!detach) {
      credentials = requireCredentials(config);
      api = createApiClient(config, credentials, { logger });
    }

    const client = await openPipelineClient(config);
    try {
      const now = Date.now();
      let id: string;
      if (request) {
        const started = await startBackfill(client, { ...request, now, refetch, fresh: booleanFlag(args, 'fresh'), maxQps });
        id = started.id;
        if (started.resumed) {
          const s = (await client.store.summary(id))!;
          ctx.stderr.write(`backfill ${id}: resuming (the same domains and range did not finish: ${s.ended}/${s.total} chunks ended; --fresh starts anew)\n`);
        }
        ctx.stderr.write(`backfill ${id}: ${started.chunks} chunks for ${started.domains.length} domain(s), ${describeRange(request.from, request.to)} UTC${givenAs(args, request)}\n`);
        for (const u of started.unavailable) {
          ctx.stderr.write(`  not available from the API (${u.reason}): ${describeRange(u.start, u.end)}, every domain\n`);
        }
      } else if (resumeId !== undefined) {
        id = resumeId;
        if (maxQps !== undefined && (await client.store.meta(id))) await client.store.setMaxQps(id, maxQps);
        await resumeBackfill(client, id);
        const s = (await client.store.summary(id))!;
        ctx.stderr.write(`backfill ${id}: resuming, ${s.ended}/${s.total} chunks ended\n`);
      } else {
        id = retryId!;
        const n = await retryFailedChunks(client, id, now);
        ctx.stderr.write(`backfill ${id}: ${n} failed chunk(s) enqueued again\n`);
      }
      if (detach || !api) {
        ctx.stdout.write(`${id}\n`);
        return EXIT_OK;
      }
      const runtime = await startPipelineRuntime(config, api, { fetchConcurrency: concurrency, guardMs, logger });
      let summary: BackfillSummary;
      const stall = stallWatch(client, id);
      try {
        summary = await waitForBackfill(client, id, {
          signal: ctx.signal,
          // One small read (a hash and a count) every 100 ms: a short run ends within 100 ms of its last chunk.
          pollMs: 100,
          onProgress: (s) => progress.update({ ...progressOf(s), waitingBehind: stall.behind(s) }),
          onRedisUnavailable: (err) => logger.warn({ code: err.code }, `${err.message}; waiting for Redis to come back`),
        });
        progress.finish(progressOf(summary));
      } finally {
        await runtime.close();
      }
      const code = await report(ctx, client, summary);
      ctx.stdout.write(formatWarnings(progress.warnings));
      return code;
    } finally {
      await client.close();
    }
  },
});

/**
 * Tells when this run's chunks wait behind other work (issue 16): no call and no chunk ended for a few seconds while
 * chunks remain, and other backfills or sync passes have chunks in flight. Checked in the background, at most
 * every 2 s, so the progress poll stays one read.
 */
function stallWatch(client: PipelineClient, id: string): { behind(s: BackfillSummary): number | undefined } {
  let last = { calls: -1, ended: -1, at: Date.now() };
  let behind = 0;
  let checking = false;
  let checkedAt = 0;
  return {
    behind(s) {
      const now = Date.now();
      if (s.calls !== last.calls || s.ended !== last.ended) {
        last = { calls: s.calls, ended: s.ended, at: now };
        behind = 0;
      } else if (now - last.at >= 3_000 && s.ended < s.total && !checking && now - checkedAt >= 2_000) {
        checking = true;
        checkedAt = now;
        void client.store
          .othersInFlight(id)
          .then((n) => (behind = n))
          .catch(() => undefined)
          .finally(() => (checking = false));
      }
      return behind > 0 ? behind : undefined;
    },
  };
}

function progressOf(s: BackfillSummary): { total: number; ended: number; failed: number; rows: number; calls: number; throttles: number; reused: number } {
  return { total: s.total, ended: s.ended, failed: s.counts.failed, rows: s.rows, calls: s.calls, throttles: s.throttles, reused: s.reused };
}

async function report(ctx: CommandContext, client: PipelineClient, s: BackfillSummary): Promise<number> {
  const took = ((s.finishedAt ?? Date.now()) - s.createdAt) / 1000;
  ctx.stdout.write(
    `backfill ${s.id}: ${s.done}/${s.total - s.counts.replanned} chunks done (${s.reused} reused), ${s.counts.failed} failed, ${s.counts.refused} refused, ` +
      `${s.rows} rows loaded, ${s.calls} API calls, ${s.throttles} throttled, ${s.retries} retried, ${took.toFixed(1)} s\n`,
  );
  if (s.halt) {
    ctx.stdout.write(formatHalt(s.halt));
    ctx.stdout.write(`once fixed, finish it with: cdn-etl backfill --retry-failed ${s.id}\n`);
    return EXIT_FAILED;
  }
  if (s.state === 'running') {
    ctx.stdout.write(`interrupted: ${s.ended}/${s.total} chunks ended; run the same command again, or \`cdn-etl backfill --resume ${s.id}\`, to continue\n`);
    return EXIT_INTERRUPTED;
  }
  if (s.counts.refused > 0) ctx.stdout.write(formatRefused(await client.store.refusedDomains(s.id)));
  if (s.counts.failed > 0) {
    ctx.stdout.write(formatFailures(await client.store.failures(s.id)));
    ctx.stdout.write(`retry them with: cdn-etl backfill --retry-failed ${s.id}\n`);
  }
  return s.counts.failed + s.counts.refused > 0 ? EXIT_FAILED : EXIT_OK;
}

/** How --from/--to were typed, when that was not already the UTC spelling shown (issue 16: echo the reading). */
function givenAs(args: ParsedArgs, range: { from: number; to: number }): string {
  const from = describeInstant(stringFlag(args, 'from')!, range.from);
  const to = describeInstant(stringFlag(args, 'to')!, range.to);
  const typed = [from, to].map((d) => /\((.*)\)$/.exec(d)?.[1]).filter((t): t is string => t !== undefined);
  return typed.length === 0 ? '' : ` (from --from ${stringFlag(args, 'from')!} --to ${stringFlag(args, 'to')!})`;
}
