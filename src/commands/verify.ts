/**
 * `cdn-etl verify`: the trust audit. Re-fetches a sample (or, with --all, every one) of the archived, final slots
 * that the API still holds, at their stored resolution, and compares them value by value. Prints a drift table
 * per domain and resolution. Its calls take the lowest priority on the quota: they share the pipeline's pacer
 * (the account's QPS) and wait while the fetch queue holds any work. Exit 0 all match, 1 a mismatch (listed),
 * 2 bad input, 3 a service is unavailable.
 */
import { Queue } from 'bullmq';
import { normaliseSrcTraffic } from '../aliyun/normalise-src-traffic.js';
import { toWireTime } from '../aliyun/wire-time.js';
import { closeRedis, createApiClient, openQuestDbReader, openRedisConnection } from '../app/app-runtime.js';
import { loadConfig, requireCredentials } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { sleep } from '../core/sleep.js';
import { FETCH_QUEUE, pipelineKeys } from '../pipeline/pipeline-keys.js';
import { createRedisPacer } from '../redis/redis-pacer.js';
import { parseRange } from '../plan/parse-range.js';
import { compareSlots, driftTable, isCheckable, planVerifyCalls, sampleSlots, type ArchivedSlot, type DriftRow, type SlotCheck } from '../plan/verify-plan.js';
import { booleanFlag, domainsFlag, commandBody, intFlag, stringFlag, zoneFlag } from './args.js';
import { EXIT_FAILED, EXIT_OK } from './command.js';

const DEFAULT_SAMPLE = 20;
/** The API's oldest data (hourly, 186 days): the default start. */
const DEFAULT_LOOKBACK_MS = 186 * 24 * 3_600_000;
/** How often a waiting audit looks at the fetch queue again. */
const YIELD_POLL_MS = 1_000;
const MAX_LISTED = 20;


export const verifyCommand = commandBody({
  name: 'verify',
  async run(args, ctx) {
    const domains = domainsFlag(args);
    const now = Date.now();
    const fromRaw = stringFlag(args, 'from');
    const toRaw = stringFlag(args, 'to');
    if ((fromRaw === undefined) !== (toRaw === undefined)) throw new InvalidArgumentError('give both --from and --to, or neither', fromRaw === undefined ? '--from' : '--to');
    const range = fromRaw !== undefined && toRaw !== undefined ? parseRange(fromRaw, toRaw, now, zoneFlag(args, ctx)) : { from: now - DEFAULT_LOOKBACK_MS, to: now };
    const all = booleanFlag(args, 'all');
    if (all && stringFlag(args, 'sample') !== undefined) throw new InvalidArgumentError('give --sample N or --all, not both', '--sample');
    const sample = all ? undefined : intFlag(args, 'sample', DEFAULT_SAMPLE, 1, 100_000);
    const config = loadConfig(ctx.env, { apiQps: stringFlag(args, 'qps'), questdbPg: stringFlag(args, 'questdb-pg') });
    const credentials = requireCredentials(config);

    const pg = openQuestDbReader(config, { max: 1 });
    const archived = new Map<string, ArchivedSlot[]>();
    try {
      for (const domain of domains) {
        const rows = await pg.query<{ ts: number; interval_s: number; value: number; fetched_at: number }>(
          'SELECT ts, interval_s, value, fetched_at FROM cdn_src_traffic WHERE domain = $1 AND ts >= $2 AND ts < $3',
          [domain, new Date(range.from).toISOString(), new Date(range.to).toISOString()],
        );
        const slots = rows.map((r) => ({ ts: Number(r.ts), intervalS: Number(r.interval_s), value: Number(r.value), fetchedAt: Number(r.fetched_at) }));
        archived.set(domain, sampleSlots(slots.filter((s) => isCheckable(s, now)), sample));
      }
    } finally {
      await pg.close();
    }

    const redis = await openRedisConnection(config, 'cdn-etl-verify');
    const queue = new Queue(FETCH_QUEUE, { connection: redis, prefix: config.redisPrefix });
    const api = createApiClient(config, credentials, { logger: createLogger({ level: config.logLevel, color: ctx.color }) });
    const pacer = createRedisPacer(redis, pipelineKeys(config.redisPrefix).pacer, { qps: config.apiQps });
    const table: DriftRow[] = [];
    const mismatches: { domain: string; check: SlotCheck }[] = [];
    let calls = 0;
    try {
      for (const domain of domains) {
        const checks: SlotCheck[] = [];
        for (const call of planVerifyCalls(archived.get(domain)!, now)) {
          await yieldToPipeline(queue, ctx.signal);
          await pacer.acquire(ctx.signal);
          calls++;
          const response = await api.describeDomainRealTimeSrcTrafficData({ domainName: domain, startTime: call.start, endTime: call.end });
          const rows = normaliseSrcTraffic(response, { domain, start: call.start, end: call.end });
          // An answer at another resolution says nothing about these slots: they count as absent.
          const values = new Map(rows.filter((r) => r.intervalS === call.intervalS).map((r) => [r.ts, r.value]));
          checks.push(...compareSlots(call.slots, values));
        }
        table.push(...driftTable(domain, checks));
        for (const c of checks) if (c.verdict === 'mismatch') mismatches.push({ domain, check: c });
      }
    } finally {
      await queue.close();
      await api.close();
      await closeRedis(redis);
    }

    ctx.stdout.write(`cdn-etl verify: ${domains.length} domain(s), ${toWireTime(range.from)} .. ${toWireTime(range.to)}, ${all ? 'every checkable slot' : `a sample of up to ${sample} slot(s) per domain`}, ${calls} API call(s)\n\n`);
    ctx.stdout.write(formatDriftTable(domains, table));
    if (mismatches.length > 0) {
      ctx.stdout.write(`\n${mismatches.length} mismatch(es):\n`);
      for (const { domain, check } of mismatches.slice(0, MAX_LISTED)) {
        ctx.stdout.write(`  ${domain} ${toWireTime(check.slot.ts)} @ ${check.slot.intervalS} s: archived ${check.slot.value}, API now ${check.apiValue!}\n`);
      }
      if (mismatches.length > MAX_LISTED) ctx.stdout.write(`  ... and ${mismatches.length - MAX_LISTED} more\n`);
      return EXIT_FAILED;
    }
    const checked = table.reduce((n, r) => n + r.checked, 0);
    ctx.stdout.write(checked === 0 ? '\nno slot of the range is checkable (final when archived and still held by the API)\n' : `\nevery checked slot (${checked}) matches the API\n`);
    return EXIT_OK;
  },
});

/** Waits while the pipeline has fetches queued or running: an audit never takes a call from real work. */
async function yieldToPipeline(queue: Queue, signal: AbortSignal): Promise<void> {
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active');
    if ((counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0) === 0) return;
    await sleep(YIELD_POLL_MS, signal);
  }
}

/** The drift table: one line per domain and resolution; a domain with nothing checkable says so. */
export function formatDriftTable(domains: readonly string[], rows: readonly DriftRow[]): string {
  const head = ['domain', 'interval', 'checked', 'match', 'mismatch', 'absent', 'max drift'];
  const lines = [head];
  for (const d of domains) {
    const mine = rows.filter((r) => r.domain === d);
    if (mine.length === 0) lines.push([d, '-', '0', '0', '0', '0', '-']);
    for (const r of mine) lines.push([d, `${r.intervalS} s`, String(r.checked), String(r.matched), String(r.mismatched), String(r.absent), String(r.maxDrift)]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
