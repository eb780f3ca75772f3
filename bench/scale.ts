/**
 * Scale benchmark (`npm run bench:scale`, issue 13): what a backfill of many domains costs the CLI and Redis.
 * Runs against a private redis-server started here on a free port (so used_memory is ours alone), the shared
 * QuestDB, and the simulator in this process. Prints figures; asserts nothing.
 * 1. queue: `backfill --detach` of D domains (default 10,000) x 186 days through the compiled CLI: wall time from
 *    launch to exit, the CLI's peak RSS (VmHWM), Redis used_memory above its empty baseline, keys, and the time
 *    of `status ID` (launch to exit, and the summary read alone);
 * 2. end: a backfill of D domains x 1 hour run to its end at a raised quota: Redis used_memory left afterwards,
 *    per domain;
 * 3. worker: N chunks (default 20,000; `-- --worker-chunks 100000` for the figure) through one worker at
 *    --qps Q (default 200): RSS and Redis keys sampled throughout (flat means bounded).
 * Options after `--`: --domains D, --worker-chunks N, --worker-qps Q, --skip-end, --skip-worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { PipelineClient } from '../src/pipeline/pipeline-client.js';
import { DEMO_CREDENTIALS, startSimulator } from '../src/sim/simulator.js';
import { runMigrations } from '../src/store/migrations-runner.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUESTDB_HTTP = 'http://127.0.0.1:9000';
const QUESTDB_PG = 'postgres://admin:quest@127.0.0.1:8812/qdb';
const ROOT = new URL('../..', import.meta.url).pathname.replace(/dist\/$/, '');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

/** Runs the compiled CLI; resolves with its exit code, output, wall time and peak RSS. */
function runCli(argv: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number; peakRss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/cdn-etl.js', ...argv], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let peakRss = 0;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, status(child.pid!, 'VmHWM'))), 20);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearInterval(sampler);
      resolve({ code, out, ms: performance.now() - started, peakRss });
    });
  });
}

async function main(): Promise<void> {
  const domainsN = arg('domains', 10_000);
  const workerChunks = arg('worker-chunks', 20_000);
  const workerQps = arg('worker-qps', 200);
  await runMigrations({ questdbHttp: QUESTDB_HTTP });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cdn-etl-bench-scale-'));
  const server: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = new Redis(redisUrl, { retryStrategy: (n) => (n > 50 ? null : 100) });
  await redis.ping();
  const tag = Date.now().toString(36);
  const domains = Array.from({ length: domainsN }, (_, i) => `d${i}.scale-${tag}.example.com`);
  const file = join(dir, 'domains.txt');
  writeFileSync(file, domains.join('\n'));
  const sim = await startSimulator({ domains: domains.map((name) => ({ name })), qps: 100_000 });
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
    CDN_ENDPOINT: sim.url,
    REDIS_URL: redisUrl,
    QUESTDB_HTTP,
    QUESTDB_PG,
    LOG_LEVEL: 'warn',
  };
  try {
    const baseline = await usedMemory(redis);
    console.log(`Redis baseline used_memory ${mb(baseline)} (private redis-server on :${port})`);

    // 1. queue
    const now = Date.now();
    const from = new Date(now - 186 * DAY).toISOString();
    const to = new Date(Math.floor(now / HOUR) * HOUR).toISOString();
    const detach = await runCli(['backfill', '--detach', '--domains', `@${file}`, '--from', from, '--to', to], { ...env, CDN_ETL_REDIS_PREFIX: 'queue' });
    if (detach.code !== 0) throw new Error(`backfill --detach failed:\n${detach.out}`);
    const id = detach.out.trim().split('\n').pop()!;
    const queued = await usedMemory(redis);
    const keys = await redis.dbsize();
    const statusRun = await runCli(['status', id], { ...env, CDN_ETL_REDIS_PREFIX: 'queue' });
    const client = await PipelineClient.open({ redisUrl, prefix: 'queue' });
    const t0 = performance.now();
    const summary = (await client.store.summary(id))!;
    const summaryMs = performance.now() - t0;
    await client.obliterate();
    await client.close();
    console.log(`\n1. backfill --detach of ${domainsN} domains x 186 days (${summary.total} chunks, ${summary.total - summary.waiting} queued)`);
    console.log(`   launch to exit          ${(detach.ms / 1000).toFixed(1)} s            (target < 30 s)`);
    console.log(`   CLI peak RSS            ${mb(detach.peakRss)}          (target < 300 MB)`);
    console.log(`   Redis while queued      +${mb(queued - baseline)} above baseline, ${keys} keys  (target < 100 MB)`);
    console.log(`   status ID               ${statusRun.ms.toFixed(0)} ms launch to exit, summary read ${summaryMs.toFixed(1)} ms  (target < 1 s)`);
    await redis.flushall();

    // 2. end
    if (!process.argv.includes('--skip-end')) {
      const base2 = await usedMemory(redis);
      const endTo = Math.floor((now - 2 * DAY) / HOUR) * HOUR;
      const end = await runCli(['backfill', '--domains', `@${file}`, '--from', new Date(endTo - HOUR).toISOString(), '--to', new Date(endTo).toISOString(), '--qps', '1000', '--concurrency', '64'], { ...env, CDN_ETL_REDIS_PREFIX: 'end' });
      if (end.code !== 0) throw new Error(`backfill failed:\n${end.out.slice(-2000)}`);
      const after = await usedMemory(redis);
      console.log(`\n2. a backfill of ${domainsN} domains x 1 hour run to its end (${(end.ms / 1000).toFixed(1)} s at --qps 1000)`);
      console.log(`   Redis afterwards        +${mb(after - base2)} above baseline, ${await redis.dbsize()} keys: ${((after - base2) / domainsN).toFixed(0)} bytes per domain (O(domains))`);
      await redis.flushall();
    }

    // 3. worker
    if (!process.argv.includes('--skip-worker')) {
      const hours = Math.ceil(workerChunks / domainsN);
      const wTo = Math.floor((now - 2 * DAY) / HOUR) * HOUR;
      const wDomains = domains.slice(0, Math.ceil(workerChunks / hours));
      writeFileSync(file, wDomains.join('\n'));
      const detached = await runCli(['backfill', '--detach', '--domains', `@${file}`, '--from', new Date(wTo - hours * HOUR).toISOString(), '--to', new Date(wTo).toISOString()], { ...env, CDN_ETL_REDIS_PREFIX: 'work' });
      const wid = detached.out.trim().split('\n').pop()!;
      const worker = spawn(process.execPath, ['bin/cdn-etl.js', 'worker', '--qps', String(workerQps), '--concurrency', '64'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env, CDN_ETL_REDIS_PREFIX: 'work' }, stdio: 'ignore' });
      const wc = await PipelineClient.open({ redisUrl, prefix: 'work' });
      const samples: { done: number; rss: number; keys: number; mem: number }[] = [];
      for (;;) {
        await new Promise((r) => setTimeout(r, 2_000));
        const s = (await wc.store.summary(wid))!;
        samples.push({ done: s.done, rss: status(worker.pid!, 'VmRSS'), keys: await redis.dbsize(), mem: await usedMemory(redis) });
        if (s.state !== 'running') break;
      }
      worker.kill('SIGTERM');
      await wc.close();
      const half = samples.slice(Math.floor(samples.length / 2));
      const firstHalf = samples.slice(0, Math.floor(samples.length / 2));
      const max = (xs: number[]): number => Math.max(...xs);
      console.log(`\n3. one worker, ${samples.at(-1)!.done} chunks at --qps ${workerQps} (${samples.length} samples every 2 s)`);
      console.log(`   worker RSS              first half max ${mb(max(firstHalf.map((x) => x.rss)))}, second half max ${mb(max(half.map((x) => x.rss)))}: ratio ${(max(half.map((x) => x.rss)) / max(firstHalf.map((x) => x.rss))).toFixed(2)}`);
      console.log(`   Redis keys              max ${max(samples.map((x) => x.keys))}, used_memory max ${mb(max(samples.map((x) => x.mem)))}`);
    }
  } finally {
    await sim.close();
    redis.disconnect();
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
