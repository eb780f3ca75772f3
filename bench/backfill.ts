/**
 * Backfill benchmark, through the compiled CLI from launch to exit (`npm run bench:backfill`):
 * 1. throughput: a backfill of >= 500 chunks at --qps 10 against the simulator with latency; prints the actual
 *    time against the ideal (API calls / qps) as a ratio (goal >= 0.9) and the peak calls in any second;
 * 2. memory: 20-domain backfills of two range sizes (30 and 90 days), launched with `npx --no-install cdn-etl`;
 *    prints the peak summed RSS of every process the command starts (npx included), sampled from /proc every
 *    20 ms (goal < 300 MB, flat as the range grows). These run at a higher qps to finish sooner: memory, not
 *    time, is measured there (`-- --memory-qps 10` for the real rate).
 * Options after `--`: --latency MS (150), --memory-qps N (50), --skip-throughput, --skip-memory.
 * The simulator runs in this process; every run uses fresh domain names and its own Redis prefix, cleaned after.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEMO_CREDENTIALS, type SimulatorStats } from '../src/sim/simulator.js';
import { cleanPrefix } from './clean-prefix.js';
import { runMigrations } from '../src/store/migrations-runner.js';
import { Redis } from 'ioredis';
import { arg, QUESTDB_HTTP, REDIS_URL, ROOT } from './bench-setup.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Pids of `root` and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended meanwhile.
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface RunResult {
  readonly code: number | null;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly peakProcesses: number;
  readonly output: string;
}

/** Spawns the command, samples the summed RSS of its process tree every 20 ms, resolves at exit. */
function measure(command: string, args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let peakKb = 0;
    let peakProcesses = 0;
    const sampler = setInterval(() => {
      const pids = processTree(child.pid!);
      const kb = pids.reduce((sum, pid) => sum + rssKb(pid), 0);
      if (kb > peakKb) peakKb = kb;
      if (pids.length > peakProcesses) peakProcesses = pids.length;
    }, 20);
    child.on('exit', (code) => {
      clearInterval(sampler);
      resolve({ code, seconds: (performance.now() - started) / 1000, peakRssMb: peakKb / 1024, peakProcesses, output });
    });
  });
}

async function clean(prefix: string): Promise<void> {
  await cleanPrefix(REDIS_URL, prefix);
}

/**
 * The simulator in a process of its own (test/helpers/sim-host.mjs): the /proc sampling of this process must not
 * delay the simulator's clock of arrivals.
 */
async function startSimProcess(options: object): Promise<{ url: string; stats(): Promise<SimulatorStats>; close(): Promise<void> }> {
  const child = spawn(process.execPath, [`${ROOT}test/helpers/sim-host.mjs`, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const { url } = JSON.parse(await next()) as { url: string };
  return {
    url,
    async stats() {
      const reply = next();
      child.stdin.write('stats\n');
      return JSON.parse(await reply) as SimulatorStats;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end('close\n');
      }),
  };
}

function domainsFor(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `b${tag}-${i}.example.com`);
}

async function run(label: string, options: { domains: number; from: number; to: number; qps: number; latencyMs: number; viaNpx: boolean }): Promise<void> {
  const tag = Math.random().toString(16).slice(2, 10);
  const domains = domainsFor(tag, options.domains);
  const prefix = `bench-${tag}`;
  const sim = await startSimProcess({ domains: domains.map((name) => ({ name })), qps: options.qps, latencyMs: options.latencyMs });
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
    CDN_ENDPOINT: sim.url,
    CDN_ETL_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  const cli = ['backfill', '--domains', domains.join(','), '--from', new Date(options.from).toISOString(), '--to', new Date(options.to).toISOString(), '--qps', String(options.qps)];
  try {
    const result = options.viaNpx
      ? await measure('npx', ['--no-install', 'cdn-etl', ...cli], env)
      : await measure(process.execPath, ['bin/cdn-etl.js', ...cli], env);
    const stats = await sim.stats();
    const summary = /backfill (bf-\S+): (.*)/.exec(result.output)?.[0] ?? result.output.slice(-500);
    const ideal = stats.calls / options.qps;
    console.log(`\n## ${label}`);
    console.log(summary);
    console.log(
      `exit ${result.code}; ${stats.calls} API calls (${stats.throttled} throttled), max ${stats.maxCallsInAnySecond} in any second; ` +
        `launch to exit ${result.seconds.toFixed(1)} s, ideal ${ideal.toFixed(1)} s, ratio ideal/actual ${(ideal / result.seconds).toFixed(3)}; ` +
        `peak summed RSS ${result.peakRssMb.toFixed(0)} MB over up to ${result.peakProcesses} processes`,
    );
  } finally {
    await sim.close();
    await clean(prefix);
  }
}

await runMigrations({ questdbHttp: QUESTDB_HTTP });
const now = Date.now();
const hourAgo = (h: number): number => Math.floor((now - h * HOUR) / HOUR) * HOUR;
const latencyMs = arg('latency', 150);
// 11 domains x 48 hourly 1-minute chunks = 528 chunks.
if (!process.argv.includes('--skip-throughput')) await run(`throughput: 528 chunks at --qps 10, simulator latency ${latencyMs} ms`, { domains: 11, from: hourAgo(72), to: hourAgo(24), qps: 10, latencyMs, viaNpx: false });
const memoryQps = arg('memory-qps', 50);
for (const days of process.argv.includes('--skip-memory') ? [] : [30, 90]) {
  await run(`memory: 20 domains x ${days} days (npx --no-install cdn-etl, --qps ${memoryQps})`, {
    domains: 20,
    from: Math.floor((now - days * DAY) / HOUR) * HOUR,
    to: hourAgo(2),
    qps: memoryQps,
    latencyMs: 20,
    viaNpx: true,
  });
}
