/**
 * What each command is, for the command line: its flags, help, environment and exit codes, and how to load its
 * body. src/cli.ts builds the commander program from this table. The table is light on purpose (no BullMQ,
 * express, pg or prom-client): `--help` and `--version` load nothing else, and each command's body, with its
 * dependencies, is imported only when that command runs (`load`). Defaults that live in heavy modules are
 * repeated as literals here; test/unit/cli-help.test.ts checks that they agree.
 */
import { DEFAULT_TIERS } from '../aliyun/tiers.js';
import { formatDuration } from '../core/time-format.js';
import { DEMO_CREDENTIALS } from '../sim/sim-types.js';
import { defaultLookbackMs } from '../sync/sync-plan.js';
import type { CommandBody } from './command.js';
import { API_ENV, OPS_ENV, OUTPUT_ENV, QUESTDB_HTTP_ENV, QUESTDB_PG_ENV, REDIS_ENV, type EnvName } from './env-vars.js';

/** One flag: commander's flag syntax (`-d, --domains <list>`, `--detach`) and its help line. */
export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The usage line after `cdn-etl <name> `. */
  readonly usage: string;
  /** Paragraphs shown under the usage line. */
  readonly description: string;
  /** Positional arguments in commander's syntax (`[id]`). */
  readonly arguments?: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly OptionSpec[];
  /** Every environment variable the command reads; it is handed only these. */
  readonly env: readonly EnvName[];
  /** What each exit code means for this command. */
  readonly exit: string;
  readonly examples?: readonly string[];
  /** Imports the command's body (and with it, its dependencies). */
  load(): Promise<CommandBody>;
}

/** Mirrors of defaults that live in modules too heavy to load for help (checked by test/unit/cli-help.test.ts). */
export const HELP_DEFAULTS = Object.freeze({ fetchConcurrency: 16, guardMs: 200, httpPort: 9464, httpHost: '127.0.0.1', drainS: 45 });

const TIME_HELP = 'TIME: 2026-11-01, 2026-11-01T00:00Z, 2026-11-30T22:00+08:00, -7d, -90m or now';

const DOMAINS: OptionSpec = { flags: '-d, --domains <list>', description: 'comma-separated domain names, or @FILE with one per line' };
const FROM: OptionSpec = { flags: '-f, --from <time>', description: `first instant of the half-open range (${TIME_HELP})` };
const TO: OptionSpec = { flags: '-t, --to <time>', description: 'end of the range, excluded (same forms as --from)' };
const TZ: OptionSpec = { flags: '--tz <zone>', description: 'IANA zone for times typed without an offset (env CDN_ETL_TZ, default UTC)' };
const CONCURRENCY: OptionSpec = { flags: '-c, --concurrency <n>', description: `concurrent fetches in this process (default ${HELP_DEFAULTS.fetchConcurrency})` };
const QPS: OptionSpec = { flags: '--qps <n>', description: 'API calls per second shared by all workers (env CDN_API_QPS, default 10)' };
const PACE_GUARD: OptionSpec = { flags: '--pace-guard-ms <n>', description: `end of each second in which the pacer grants no call, room for jitter, ms (default ${HELP_DEFAULTS.guardMs})` };
const LOG_LEVEL: OptionSpec = { flags: '--log-level <level>', description: 'fatal, error, warn, info, debug, trace or silent (env LOG_LEVEL)' };
const QUESTDB_PG: OptionSpec = { flags: '--questdb-pg <url>', description: 'QuestDB PG wire URL without a password (env QUESTDB_PG; the password: QUESTDB_PG or PGPASSWORD)' };
const DRAIN_TIMEOUT: OptionSpec = {
  flags: '--drain-timeout <s>',
  description: `on a signal, wait at most S seconds for chunks in flight (default ${HELP_DEFAULTS.drainS}), then exit 1 and leave them to go back to the queue (a Redis or QuestDB outage cannot hold the stop)`,
};
const OPS_OPTIONS: readonly OptionSpec[] = [
  { flags: '--http-port <n>', description: `serve /metrics, /healthz and /queues on port N (default ${HELP_DEFAULTS.httpPort}; 0 = no HTTP server)` },
  { flags: '--http-host <host>', description: `address to bind (default ${HELP_DEFAULTS.httpHost}; 0.0.0.0 for all interfaces)` },
  {
    flags: '--queues-actions',
    description:
      "allow the dashboard's actions (retry, clean, pause, ...); read-only by default. Basic auth for /queues " +
      '(CDN_ETL_DASHBOARD_USER and CDN_ETL_DASHBOARD_PASSWORD) is required with it or with a --http-host other than loopback',
  },
];

const RUN_EXIT = '0 every chunk done, 1 some chunk failed (listed) or nothing of the range is left at the API, 2 bad input, 3 a service is unavailable, 130 interrupted';

export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: 'migrate',
    summary: 'apply pending QuestDB migrations (safe to run again)',
    usage: '[options]',
    description: [
      'Applies the migrations/*.sql files not yet applied to QuestDB, in name order, and records each one (name, sha256,',
      'time) in the table cdn_etl_migrations. Files applied earlier are skipped; an applied file that was changed stops',
      'the run (restore it and add a new numbered migration). Then it records the unit of the API\'s Value',
      '(CDN_VALUE_UNIT) in cdn_etl_value_unit, which every view reads; a unit different from the recorded one is refused',
      'unless --change-unit is given. Materialized views that QuestDB marked invalid are fully refreshed and named.',
    ].join('\n'),
    options: [
      { flags: '--questdb-http <url>', description: 'QuestDB HTTP endpoint (env QUESTDB_HTTP, default http://127.0.0.1:9000)' },
      { flags: '--value-unit <unit>', description: "byte or bit: the unit of the API's Value (env CDN_VALUE_UNIT, default byte)" },
      { flags: '--change-unit', description: 'replace a different recorded unit (every derived figure changes by 8x)' },
      LOG_LEVEL,
    ],
    env: [...QUESTDB_HTTP_ENV, 'CDN_VALUE_UNIT', ...OUTPUT_ENV],
    exit: '0 up to date, 2 bad input or a changed migration, 3 QuestDB unavailable',
    load: async () => (await import('./migrate.js')).migrateCommand,
  },
  {
    name: 'backfill',
    summary: 'load a time range for some domains into QuestDB',
    usage: '--domains a.com,b.com --from TIME --to TIME [options]\n       cdn-etl backfill --retry-failed ID [options]\n       cdn-etl backfill --resume ID [options]',
    description: [
      'Loads every slot whose start is in [--from, --to) for each domain, at the finest granularity the API still',
      'has, then waits until every chunk has ended (progress bar on a terminal). The first line echoes the range in',
      'UTC. Chunks QuestDB holds already (its ledger, whoever loaded them) are reused without an API call, except',
      'chunks that held provisional (still revised) slots. Parts of the range beyond the API horizons (1 minute: 7',
      'days, 5 minutes: 93 days, 1 hour: 186 days) are named; a range entirely beyond them exits 1. Running the same',
      'command again while its backfill is unfinished (interrupted) resumes that backfill. A domain the API refuses',
      'costs one call and is named once; a refused account (a wrong secret) stops the run after one call.',
    ].join('\n'),
    options: [
      DOMAINS,
      FROM,
      TO,
      { flags: '--dry-run', description: "print the calls, the ETA at the quota minus what the scheduled sync uses, and per tier what would be degraded to a coarser resolution or lost because its turn comes after its horizon, and how many chunks of the range QuestDB holds already; no call, nothing enqueued, no credentials (Redis is read for the sync's share, QuestDB's ledger for what is archived)" },
      TZ,
      { flags: '--detach', description: 'only enqueue (workers started with `cdn-etl worker` do the work); prints the id' },
      CONCURRENCY,
      { flags: '--refetch', description: 'call the API even for chunks finished earlier' },
      { flags: '--retry-failed <id>', description: 'run the failed chunks of backfill ID again (and resume it after the account was refused)' },
      { flags: '--resume <id>', description: 'continue the interrupted backfill ID (running the same command again does so too)' },
      { flags: '--fresh', description: 'start a new backfill even if an unfinished one has the same domains, range and --refetch' },
      QPS,
      { flags: '--max-qps <n>', description: 'cap this backfill at N calls in any one second (1 to 1000); the rest of --qps stays for the sync and other backfills' },
      PACE_GUARD,
      LOG_LEVEL,
    ],
    env: [...API_ENV, ...REDIS_ENV, ...QUESTDB_HTTP_ENV, 'CDN_ETL_TZ', ...OUTPUT_ENV],
    exit: RUN_EXIT,
    examples: ['cdn-etl backfill -d a.com,b.com -f -7d -t now', 'cdn-etl backfill -d @domains.txt -f -186d -t now --detach', 'cdn-etl backfill -d a.com -f 2026-11-01T00:00+08:00 -t 2026-11-02T00:00+08:00', 'cdn-etl backfill -d a.com -f 2026-11-01 -t 2026-11-02 --tz Asia/Shanghai'],
    load: async () => (await import('./backfill.js')).backfillCommand,
  },
  {
    name: 'worker',
    summary: 'run fetch and load workers until stopped',
    usage: '[options]',
    description: [
      'Processes the queued chunks of every backfill (and sync) on this Redis prefix until SIGINT/SIGTERM. Start',
      'several, on any machine that reaches Redis: together they never exceed CDN_API_QPS calls per second. On a',
      'signal, chunks in flight finish (or go back to the queue); nothing is lost. A second signal exits at once.',
      'Serves /metrics (Prometheus), /healthz and the queue dashboard /queues (docs/OPERATIONS.md).',
    ].join('\n'),
    options: [
      CONCURRENCY,
      QPS,
      PACE_GUARD,
      LOG_LEVEL,
DRAIN_TIMEOUT,
      ...OPS_OPTIONS,
    ],
    env: [...API_ENV, ...REDIS_ENV, ...QUESTDB_HTTP_ENV, ...OPS_ENV, ...OUTPUT_ENV],
    exit: '0 stopped cleanly, 1 the drain timeout passed, 2 bad input, 3 a service is unavailable',
    load: async () => (await import('./worker.js')).workerCommand,
  },
  {
    name: 'status',
    summary: 'show backfills and their chunks',
    usage: '[id] [options]',
    description: [
      'Without ID: the latest backfills (id, created, range, domains, chunks done/total, failed, state), then who is',
      'spending the quota: each running backfill and sync pass, its class and priority, its --max-qps cap and its',
      'calls per second over the last 10 s.',
      'With ID: that backfill in detail, with each failed chunk and its API error code. Needs no API credentials.',
    ].join('\n'),
    arguments: [{ name: '[id]', description: 'a backfill id (bf-YYYYMMDDTHHMMZ-xxxxxx)' }],
    options: [{ flags: '-n, --limit <n>', description: 'how many backfills to list (default 20)' }],
    env: [...REDIS_ENV, ...QUESTDB_HTTP_ENV, ...OUTPUT_ENV],
    exit: '0 shown, 2 bad input (an unknown id), 3 a service is unavailable',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'simulate',
    summary: 'serve a local stand-in of the CDN API for demos and tests',
    usage: '[options]',
    description: [
      'Serves a local stand-in of the Alibaba Cloud CDN API (DescribeDomainRealTimeSrcTrafficData, DescribeUserDomains)',
      'over HTTP, with V3 and V2 signatures, the tier table, a per-second quota and deterministic traffic. Point',
      'cdn-etl at it with CDN_ENDPOINT=<the printed URL>. Runs until Ctrl-C. It accepts the key pair in',
      `ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, or the demo pair ${DEMO_CREDENTIALS.accessKeyId} / ${DEMO_CREDENTIALS.accessKeySecret} when they are unset.`,
      'Faults are fractions 0..1 of calls (none by default); see docs/SIMULATOR.md.',
    ].join('\n'),
    options: [
      { flags: '-p, --port <n>', description: 'port to listen on (default 0: any free port)' },
      { flags: '--host <host>', description: 'address to bind (default 127.0.0.1)' },
      { flags: '--qps <n>', description: 'calls accepted per calendar second (default 10)' },
      { flags: '-d, --domains <list>', description: "the account's domains, each optionally :status (online, offline, configuring, configure_failed, checking, check_failed, stopped)" },
      { flags: '--throttle-status <code>', description: 'HTTP status of Throttling answers: 400 (default) or 503' },
      { flags: '--retry-after-ms <n>', description: 'send x-acs-retry-after: N on Throttling answers' },
      { flags: '--latency-ms <n>', description: 'extra latency per API answer' },
      { flags: '--seed <n>', description: 'seed of the fault generator (default 1)' },
      { flags: '--competing-qps <n>', description: "another program on the account spends N of each second's calls (default 0)" },
      { flags: '--competing-after-calls <n>', description: 'the competing consumer starts after N calls (with --competing-qps)' },
      { flags: '--competing-until-calls <n>', description: 'the competing consumer stops after N calls (with --competing-qps)' },
      { flags: '--throttle-rate <p>', description: 'fraction of calls answered Throttling' },
      { flags: '--server-error-rate <p>', description: 'fraction answered with an HTTP 500' },
      { flags: '--reset-rate <p>', description: 'fraction whose connection is reset' },
      { flags: '--stall-rate <p>', description: 'fraction that stall for --stall-ms' },
      { flags: '--stall-ms <n>', description: 'how long a stalled call hangs (default 30000)' },
      { flags: '--truncate-rate <p>', description: 'fraction whose body is cut short' },
      { flags: '--service-busy-rate <p>', description: 'fraction answered ServiceBusy' },
    ],
    env: ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    exit: '0 stopped, 2 bad input',
    examples: ['cdn-etl simulate --port 18080 --throttle-rate 0.1 --server-error-rate 0.05'],
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  {
    name: 'report',
    summary: 'write an HTML report (traffic chart, coverage map) and print its summary',
    usage: '--domains a.com,b.com --from TIME --to TIME --out report.html [options]',
    description: [
      'Writes one self-contained HTML file (no network needed to open it) with the traffic of each domain and a',
      'coverage map: for every hour (ranges up to 14 days) or day, whether the archive holds it complete, provisional',
      '(fetched before the API finalised it), partial or missing, and at which resolution. Prints the same summary as',
      'text. The range is widened to whole hours or days. Reads QuestDB only; needs no API credentials.',
    ].join('\n'),
    options: [
      DOMAINS,
      FROM,
      TO,
      { flags: '-o, --out <file>', description: 'the HTML file to write (replaced if it exists)' },
      { flags: '--tz <zone>', description: 'zone of times typed without an offset, and of the times, days and billing months shown (env CDN_ETL_TZ, default UTC)' },
      QUESTDB_PG,
    ],
    env: [...QUESTDB_PG_ENV, ...QUESTDB_HTTP_ENV, 'CDN_ETL_TZ', ...OUTPUT_ENV],
    exit: '0 written, 2 bad input, 3 QuestDB unavailable',
    load: async () => (await import('./report.js')).reportCommand,
  },
  {
    name: 'sync',
    summary: 'keep the archive current: scheduled incremental passes with a late-data lookback',
    usage: '(--domains a.com,b.com | --all-domains) [--since TIME] [--once] [options]',
    description: [
      'Keeps the archive current. Each domain has a durable watermark in Redis: every slot before it is archived with',
      'its final value. A pass fetches from (watermark - lookback) up to the newest published slot, so slots the API',
      'revised are overwritten with their final values. A domain without a watermark starts now: history before it',
      'needs `cdn-etl backfill` (the first pass prints the command). Passes run on a BullMQ job scheduler shared by',
      'every `sync` process on this Redis prefix: one pass per period, whichever process takes it.',
    ].join('\n'),
    options: [
      DOMAINS,
      { flags: '--all-domains', description: 'every domain of the account (DescribeUserDomains on each pass); domains not online are skipped and reported' },
      { flags: '--since <time>', description: 'first slot to load: replaces the stored watermark of the --domains given; with --all-domains, where domains seen for the first time start (default: now)' },
      TZ,
      { flags: '--once', description: 'run one complete pass now (waiting for a pass in progress elsewhere), then exit' },
      { flags: '--every <duration>', description: `period of the schedule (default ${formatDuration(5 * 60_000)}; e.g. 90s, 5m, 1h)` },
      { flags: '--lookback <duration>', description: `trailing window fetched again on every pass (default ${formatDuration(defaultLookbackMs())}: the 1-minute data delay plus its revision window)` },
      {
        flags: '--mode <mode>',
        description:
          'fresh (default): every pass fetches up to the newest published minute and re-reads the trailing window, about 23 calls per domain-hour at --every 5m; archive: each hour of each domain once, after it is final (1 call per domain-hour, the watermark 1.5-2.5 h behind), spread over the hour by domain; up to 36,000 domains at 10 calls/s',
      },
      { flags: '--fresh-domains <list>', description: 'with --mode archive: these domains are synced fresh' },
      {
        flags: '--dry-run',
        description:
          'print the calls per hour of the selection and of each mode, the pass length, the freshness and whether every 1-minute slot is archived before it expires, with a warning when the selection exceeds the quota; no call, nothing enqueued (--all-domains counts the domains with a watermark in Redis)',
      },
      CONCURRENCY,
      QPS,
      { flags: '--max-qps <n>', description: 'cap each pass at N calls in any one second (1 to 1000); the rest of --qps stays for backfills' },
      LOG_LEVEL,
      DRAIN_TIMEOUT,
      ...OPS_OPTIONS,
    ],
    env: [...API_ENV, ...REDIS_ENV, ...QUESTDB_HTTP_ENV, 'CDN_ETL_TZ', ...OPS_ENV, ...OUTPUT_ENV],
    exit: 'with --once: 0 every chunk done, 1 some chunk failed (listed), 2 bad input, 3 a service is unavailable, 130 interrupted; without --once it runs until SIGINT/SIGTERM, then exits 0; either way 1 when the drain timeout passed before the stop ended',
    load: async () => (await import('./sync.js')).syncCommand,
  },
  {
    name: 'gaps',
    summary: 'find missing slots in QuestDB, as ranges; --repair backfills them',
    usage: '--domains a.com,b.com --from TIME --to TIME [--interval any|60|300|3600] [--repair] [options]',
    description: [
      'Lists, per domain, the stretches of [--from, --to) that QuestDB holds no slot for, as ranges. By default a slot',
      'of any resolution covers its time and gaps are measured on the 1-minute grid; with --interval N only slots of',
      'N seconds count, on the N-second grid. With --repair, the missing ranges are backfilled in this process at the',
      'finest resolution the API still holds; parts it no longer has are named. Afterwards the gaps are listed again.',
    ].join('\n'),
    options: [
      DOMAINS,
      FROM,
      TO,
      TZ,
      { flags: '--interval <s>', description: 'which slots count: any (default), 60, 300 or 3600' },
      { flags: '--repair', description: 'backfill the missing ranges the API still has (needs API credentials)' },
      CONCURRENCY,
      QPS,
      QUESTDB_PG,
      LOG_LEVEL,
    ],
    env: [...API_ENV, ...REDIS_ENV, ...QUESTDB_HTTP_ENV, ...QUESTDB_PG_ENV, 'CDN_ETL_TZ', ...OUTPUT_ENV],
    exit: '0 done (gaps or not), 1 some repair chunk failed (listed), 2 bad input, 3 a service is unavailable, 130 interrupted',
    load: async () => (await import('./gaps.js')).gapsCommand,
  },
  {
    name: 'verify',
    summary: 'audit the archive: re-fetch archived final slots and compare them value by value',
    usage: '--domains a.com,b.com [--from TIME --to TIME] [--sample N | --all] [options]',
    description: [
      'Re-fetches archived slots from the API and compares them value by value: a sample of N slots per domain',
      '(default 20), spread over the range, or with --all every slot. Only slots that were final when archived and',
      `that the API still holds at their stored resolution are checked (${DEFAULT_TIERS.map((t) => `${formatDuration(t.intervalS * 1000)}: ${formatDuration(t.historyMs)}`).join(', ')}).`,
      "The range defaults to the last 186 days. The calls take the lowest priority: they share the account's pacing",
      'with the pipeline and wait while backfills or syncs have queued fetches.',
    ].join('\n'),
    options: [
      DOMAINS,
      { flags: '-f, --from <time>', description: 'start of the range (default: 186 days ago; forms as in backfill)' },
      { flags: '-t, --to <time>', description: 'end of the range, excluded (default: now)' },
      TZ,
      { flags: '--sample <n>', description: 'slots per domain to check (1 to 100000, default 20)' },
      { flags: '--all', description: 'check every checkable slot of the range' },
      { flags: '--qps <n>', description: 'API calls per second shared with the pipeline (env CDN_API_QPS, default 10)' },
      QUESTDB_PG,
    ],
    env: [...API_ENV, ...REDIS_ENV, ...QUESTDB_HTTP_ENV, ...QUESTDB_PG_ENV, 'CDN_ETL_TZ', ...OUTPUT_ENV],
    exit: '0 every checked slot matches, 1 a mismatch (listed), 2 bad input, 3 a service is unavailable',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
];
