/**
 * `cdn-etl gaps`: the missing slots of some domains in QuestDB, as ranges; with `--repair`, a backfill of those the
 * API still has (at the finest resolution it still holds), naming those it no longer has. Reads go over PG wire
 * with bind parameters. Exit 0 report printed (or every repair chunk done), 1 some repair chunk failed,
 * 2 bad input, 3 a service is unavailable, 130 interrupted.
 */
import { loadConfig, requireCredentials } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { newBackfillId } from '../pipeline/backfill-store.js';
import { waitForBackfill } from '../pipeline/backfill-runner.js';
import { createApiClient, openPipelineClient, openQuestDbReader, questDbEndpointOf, startPipelineRuntime } from '../app/app-runtime.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../pipeline/pipeline-workers.js';
import type { SqlReader } from '../store/questdb-pg.js';
import { waitUntilVisible } from '../store/wal-visibility.js';
import type { GapRange } from '../gaps/find-gaps.js';
import { findDomainGaps } from '../gaps/gaps-reader.js';
import { planRepair } from '../gaps/repair-plan.js';
import { formatRange } from '../core/time-format.js';
import { formatGaps } from '../gaps/gaps-report.js';
import { describeUnavailable } from '../sync/sync-report.js';
import { booleanFlag, domainsFlag, commandBody, intFlag, rangeFlags, stringFlag, zoneFlag } from './args.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type CommandContext } from './command.js';
import { formatFailures } from './status.js';

const INTERVALS = ['60', '300', '3600'] as const;


export const gapsCommand = commandBody({
  name: 'gaps',
  async run(args, ctx) {
    const domains = domainsFlag(args);
    const { from, to } = rangeFlags(args, Date.now(), zoneFlag(args, ctx));
    const intervalFlag = stringFlag(args, 'interval') ?? 'any';
    if (intervalFlag !== 'any' && !(INTERVALS as readonly string[]).includes(intervalFlag)) {
      throw new InvalidArgumentError(`must be any, 60, 300 or 3600, got ${JSON.stringify(intervalFlag)}`, '--interval');
    }
    const intervalS = intervalFlag === 'any' ? undefined : Number(intervalFlag);
    const gridS = intervalS ?? 60;
    const repair = booleanFlag(args, 'repair');
    const concurrency = intFlag(args, 'concurrency', DEFAULT_FETCH_CONCURRENCY, 1, 256);
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), questdbPg: stringFlag(args, 'questdb-pg'), logLevel: stringFlag(args, 'log-level') });
    const logger = createLogger({ level: config.logLevel, color: ctx.color });
    const api = repair ? createApiClient(config, requireCredentials(config), { logger }) : undefined;

    const pg = openQuestDbReader(config);
    try {
      // Rows already accepted into QuestDB's WAL but not yet applied are not gaps: let them land first.
      await waitUntilVisible(questDbEndpointOf(config), 'cdn_src_traffic');
      const basis = intervalS === undefined ? 'slots of any resolution, on the 60 s grid' : `${intervalS} s slots only`;
      const found = await listGaps(ctx, pg, domains, from, to, intervalS, gridS, `missing in ${formatRange(from, to)} (${basis}):`);
      if (!api) return EXIT_OK;

      const now = Date.now();
      const plan = planRepair(found.map(([domain, gaps]) => ({ domain, gaps })), now);
      for (const u of plan.unavailable) ctx.stdout.write(`  cannot repair, ${describeUnavailable(u)}\n`);
      if (plan.chunks.length === 0) {
        ctx.stdout.write('nothing the API still has to repair\n');
        await api.close();
        return EXIT_OK;
      }
      const client = await openPipelineClient(config);
      try {
        const id = newBackfillId(now);
        // refetch: a chunk remembered as loaded whose rows have since gone missing must be fetched again.
        await client.submit(id, { domains, from, to, refetch: true, unavailable: plan.unavailable }, plan.chunks, now);
        ctx.stderr.write(`repair ${id}: ${plan.chunks.length} chunk(s)\n`);
        const runtime = await startPipelineRuntime(config, api, { fetchConcurrency: concurrency, logger });
        let summary;
        try {
          summary = await waitForBackfill(client, id, { signal: ctx.signal, pollMs: 500 });
        } finally {
          await runtime.close();
        }
        ctx.stdout.write(
          `repair ${id}: ${summary.done}/${summary.total - summary.counts.replanned} chunks done, ${summary.counts.failed} failed, ` +
            `${summary.rows} rows loaded, ${summary.calls} API calls\n`,
        );
        if (summary.state === 'running') return EXIT_INTERRUPTED;
        await waitUntilVisible(questDbEndpointOf(config), 'cdn_src_traffic');
        await listGaps(ctx, pg, domains, from, to, intervalS, gridS, 'still missing after the repair:');
        if (summary.counts.failed > 0) {
          ctx.stdout.write(formatFailures(await client.store.failures(id)));
          return EXIT_FAILED;
        }
        return EXIT_OK;
      } finally {
        await client.close();
      }
    } finally {
      await pg.close();
    }
  },
});

async function listGaps(
  ctx: CommandContext,
  pg: SqlReader,
  domains: readonly string[],
  from: number,
  to: number,
  intervalS: number | undefined,
  gridS: number,
  title: string,
): Promise<Array<[string, GapRange[]]>> {
  const found: Array<[string, GapRange[]]> = [];
  ctx.stdout.write(`${title}\n`);
  let ranges = 0;
  let slots = 0;
  for (const domain of domains) {
    const gaps = await findDomainGaps(pg, { domain, from, to, intervalS, gridS });
    found.push([domain, gaps]);
    ctx.stdout.write(formatGaps(domain, gaps, gridS));
    ranges += gaps.length;
    for (const g of gaps) slots += Math.round((g.end - g.start) / (gridS * 1000));
  }
  ctx.stdout.write(`${ranges} missing range(s), ${slots} slot(s) of ${gridS} s\n`);
  return found;
}
