/**
 * `backfill --dry-run` and `sync --dry-run` in this process: they print the estimators' figures, exit 0, make no API
 * call (no simulator runs, no credentials are given) and enqueue nothing; the backfill takes the scheduled sync's
 * share off the quota when Redis holds one, and says when Redis does not answer; it counts the chunks of the range
 * that QuestDB's ledger holds already, and says when QuestDB does not answer. Bad input exits 2.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SYNC_JOB_NAME, SYNC_QUEUE, SYNC_SCHEDULER_ID } from '../../src/sync/sync-keys.js';
import { cliEnv, DAY, hoursRange, readRows, REDIS_URL, runCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function env(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CDN_ETL_REDIS_PREFIX: prefix, REDIS_URL, LOG_LEVEL: 'warn', CDN_API_QPS: '10', ...extra };
}

async function keysOf(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

describe('--dry-run', () => {
  const scope = useTestScope();
  const hour = Math.floor(Date.now() / HOUR) * HOUR;

  it('backfill --dry-run prints the calls, ETA and tiers without Redis, credentials or a call, and exits 0', async () => {
    const domains = uniqueDomains(3);
    const prefix = scope.prefix();
    const r = await runCli(['backfill', '--dry-run', '--domains', domains.join(','), '--from', iso(hour - 3 * HOUR), '--to', iso(hour - HOUR)], env(prefix, { REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`backfill dry run (no call made, nothing enqueued): 3 domain(s), [${iso(hour - 3 * HOUR).replace(':00.000Z', 'Z')}, ${iso(hour - HOUR).replace(':00.000Z', 'Z')})`);
    expect(lines[1]).toBe('  quota 10.00 calls/s, the sync takes 0.00 (Redis does not answer: the scheduled sync, if any, is not counted): 10.00 calls/s for the backfill');
    expect(lines[2]).toMatch(/^ {2}6 API calls for 6 chunks; ETA 1s \(last call about \d{4}-\d\d-\d\dT\d\d:\d\dZ\)$/);
    expect(lines[4]).toBe('      60 s:           6 chunks, degraded: none, lost: none');
    expect(lines[5]).toBe("  QuestDB's ledger holds none of these chunks as archived final: each costs a call");
    expect(await keysOf(prefix)).toEqual([]);
  });

  it('backfill --dry-run counts the chunks of the range that QuestDB holds already, and says when QuestDB does not answer', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains);
    const { from, to } = hoursRange(3, 2 * DAY);
    const run = await runCli(['backfill', '--domains', domains[0]!, '--from', from, '--to', to], cliEnv(sim, prefix));
    expect(run.code).toBe(0);
    await readRows(domains);
    const callsBefore = sim.stats().calls;
    // The first domain's 3 chunks are archived, the second domain's are not.
    const dry = await runCli(['backfill', '--dry-run', '--domains', domains.join(','), '--from', from, '--to', to], env(prefix));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("\n  QuestDB's ledger holds 3 chunks of this range as archived final (of 6 planned): a run reuses those it plans alike, without a call\n");
    const down = await runCli(['backfill', '--dry-run', '--domains', domains.join(','), '--from', from, '--to', to], env(prefix, { QUESTDB_HTTP: 'http://127.0.0.1:1' }));
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/\n {2}QuestDB does not answer \(.+\): chunks archived earlier are not counted\n/);
    expect(sim.stats().calls).toBe(callsBefore);
  });

  it('backfill --dry-run takes the scheduled sync\'s share of the quota off the top', async () => {
    const prefix = scope.prefix();
    const synced = uniqueDomains(1500);
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(SYNC_QUEUE, { connection: redis, prefix });
    try {
      await queue.upsertJobScheduler(SYNC_SCHEDULER_ID, { every: 300_000 }, { name: SYNC_JOB_NAME, data: { selection: { kind: 'domains', domains: synced }, lookbackMs: 30 * 60_000, mode: 'fresh' } });
      const domains = uniqueDomains(3);
      const r = await runCli(['backfill', '--dry-run', '--domains', domains.join(','), '--from', iso(hour - 3 * HOUR), '--to', iso(hour - HOUR)], env(prefix));
      expect(r.code).toBe(0);
      // 1,500 fresh domains at --every 5m: 23 calls per domain-hour = 34,500 calls/h = 9.58 calls/s; 0.42 left, so
      // the 6 calls take 5 / 0.4167 = 12 s.
      expect(r.stdout).toContain(`  quota 10.00 calls/s, the sync takes 9.58 (the sync scheduled on prefix ${prefix}: 1,500 domain(s), fresh mode): 0.42 calls/s for the backfill\n`);
      expect(r.stdout).toMatch(/\n {2}6 API calls for 6 chunks; ETA 12s /);
      // Nothing but the schedule the test wrote.
      expect((await keysOf(prefix)).every((k) => k.startsWith(`${prefix}:${SYNC_QUEUE}:`))).toBe(true);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });

  it('sync --dry-run prints what each mode costs and warns when the selection exceeds the quota', async () => {
    const prefix = scope.prefix();
    const fresh = await runCli(['sync', '--dry-run', '--domains', uniqueDomains(1500).join(',')], env(prefix, { REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toBe(
      [
        'sync dry run (no call made, nothing enqueued): 1,500 domain(s) named, --mode fresh, passes every 5m00s, quota 10.00 calls/s',
        '  as chosen: 34,500 calls/h (9.58 calls/s, 95.8% of the quota)',
        '      a pass every 5m00s lasting about 4m48s; newest slot at most 15m48s old (fresh), final values at most 40m48s behind (fresh)',
        '      every 1-minute slot archived before it expires: yes',
        '  all archive: 1,500 calls/h (0.42 calls/s, 4.2% of the quota)',
        '      a pass every 5m00s lasting about 13s; final values at most 2h35m behind (archive)',
        '      every 1-minute slot archived before it expires: yes',
        'warning: fresh mode costs 23.00 calls per domain-hour, archive mode 1.00: --mode archive (with --fresh-domains for the few that need it) scales to 36,000 domains',
        '',
      ].join('\n'),
    );
    const over = await runCli(['sync', '--dry-run', '--mode', 'archive', '--domains', uniqueDomains(40_000).join(',')], env(prefix));
    expect(over.code).toBe(0);
    expect(over.stdout).toContain('  as chosen: 40,000 calls/h (11.11 calls/s, 111.1% of the quota)\n      does not keep up:');
    expect(over.stdout).toContain('warning: the selection needs 11.11 calls/s, more than the quota of 10.00: the watermarks fall behind and 1-minute data starts to be lost after about 1665 h\n');
    expect(await keysOf(prefix)).toEqual([]);
  });

  it('refuses bad input with exit 2', async () => {
    const prefix = scope.prefix();
    const [a, b] = uniqueDomains(2) as [string, string];
    const cases: [string[], RegExp][] = [
      [['sync', '--dry-run', '--domains', a, '--mode', 'bogus'], /--mode must be archive or fresh, got "bogus"/],
      [['sync', '--dry-run', '--domains', a, '--fresh-domains', a], /--fresh-domains needs --mode archive/],
      [['sync', '--dry-run', '--domains', a, '--mode', 'archive', '--fresh-domains', b], new RegExp(`--fresh-domains: not in --domains: ${b.replace(/\./g, '\\.')}`)],
      [['backfill', '--dry-run', '--retry-failed', 'bf-20261129T1930Z-k3x9qa'], /--dry-run cannot be combined with --retry-failed/],
      [['backfill', '--dry-run', '--domains', a, '--from', iso(hour), '--to', iso(hour - HOUR)], /--from|--to/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv, env(prefix));
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await keysOf(prefix)).toEqual([]);
  });
});
