/**
 * Start-up benchmark of the compiled CLI (`npm run bench:startup`), issue 16's "fast start":
 * 1. `cdn-etl --version` and `cdn-etl --help` against a bare `node -e 0`, each the median of 7 runs, interleaved so
 *    that a busy machine slows all three alike; prints each median and its ratio to the bare start (goal <= 3);
 * 2. a one-chunk backfill (one domain, one hour at 1-minute resolution) run as `node bin/cdn-etl.js`, from launch
 *    to exit, median of 5, each with a fresh domain and Redis prefix so that no chunk is reused; prints the median,
 *    its goal (<= 1000 ms) and its ratio to the bare start.
 * Options after `--`: --runs N (7), --backfill-runs N (5), --skip-backfill.
 * Needs Redis and QuestDB (npm run services:up) for part 2; the simulator runs in this process.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { DEMO_CREDENTIALS, startSimulator } from '../src/sim/simulator.js';
import { runMigrations } from '../src/store/migrations-runner.js';
import { arg, QUESTDB_HTTP, REDIS_URL, ROOT } from './bench-setup.js';

const HOUR = 3_600_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time (ms) of one process from spawn to exit; rejects on an unexpected exit code. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv = {}, expectCode = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === expectCode) resolve(ms);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

async function startupRatios(runs: number): Promise<number> {
  const bare: number[] = [];
  const version: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await timed(['-e', '0']));
    version.push(await timed(['bin/cdn-etl.js', '--version']));
    help.push(await timed(['bin/cdn-etl.js', '--help']));
  }
  const base = median(bare);
  console.log(`start-up, median of ${runs} (interleaved):`);
  console.log(`  node -e 0              ${base.toFixed(0).padStart(6)} ms  (baseline)`);
  for (const [name, list] of [['cdn-etl --version', version], ['cdn-etl --help', help]] as const) {
    const m = median(list);
    console.log(`  ${name.padEnd(22)} ${m.toFixed(0).padStart(6)} ms  ratio ${(m / base).toFixed(2)} (goal <= 3)`);
  }
  return base;
}

async function oneChunkBackfill(runs: number, base: number): Promise<void> {
  await runMigrations({ questdbHttp: QUESTDB_HTTP });
  const tag = `bs${Date.now().toString(36)}`;
  const domains = Array.from({ length: runs }, (_, i) => `${tag}-${i}.bench.example.com`);
  const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 50 });
  const redis = new Redis(REDIS_URL);
  // One hour on the 1-minute grid, a day back: planned as exactly one chunk, final (no provisional slots).
  const to = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
  const from = to - HOUR;
  const times: number[] = [];
  try {
    for (const [i, domain] of domains.entries()) {
      const prefix = `${tag}-${i}`;
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        CDN_ENDPOINT: sim.url,
        CDN_ETL_REDIS_PREFIX: prefix,
        REDIS_URL,
        QUESTDB_HTTP,
        LOG_LEVEL: 'warn',
      };
      times.push(await timed(['bin/cdn-etl.js', 'backfill', '--domains', domain, '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()], env));
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
    await sim.close();
  }
  const m = median(times);
  console.log(`one-chunk backfill (node bin/cdn-etl.js, launch to exit), median of ${runs}:`);
  console.log(`  ${m.toFixed(0).padStart(6)} ms  (goal <= 1000 ms; ratio to node -e 0: ${(m / base).toFixed(2)}; runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
}

const base = await startupRatios(arg('runs', 7));
if (!process.argv.includes('--skip-backfill')) await oneChunkBackfill(arg('backfill-runs', 5), base);
