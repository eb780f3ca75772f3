/**
 * Shared set-up for pipeline and backfill integration tests: unique Redis prefixes and domains, the simulator,
 * the CLI run in-process or as a child process, and exact reads of the rows QuestDB holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { main } from '../../src/cli.js';
import { sleep } from '../../src/core/sleep.js';
import type { Chunk } from '../../src/core/model.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { DEMO_CREDENTIALS, startSimulator, type RunningSimulator, type SimulatorOptions, type SimulatorStats } from '../../src/sim/simulator.js';
import { runMigrations } from '../../src/store/migrations-runner.js';
import { execSql } from '../../src/store/questdb-http.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { ChunkLedger, LEDGER_TABLE } from '../../src/store/chunk-ledger.js';
import { chunkId } from '../../src/plan/chunk-id.js';
import type { StoredRow } from './expected-rows.js';
import { requireBuild } from './require-build.js';

export { expectedRows, type StoredRow } from './expected-rows.js';
export { requireBuild } from './require-build.js';
export { DAY, HOUR, hoursRange } from './time-ranges.js';

import { QUESTDB_HTTP, QUESTDB_PG, REDIS_URL } from './test-services.js';

export { QUESTDB_HTTP, QUESTDB_PG, REDIS_URL };
export const TABLE = 'cdn_src_traffic';

export function uniqueTag(): string {
  return randomBytes(4).toString('hex');
}

/** A Redis prefix no other test uses. */
export function uniquePrefix(): string {
  return `t-${uniqueTag()}`;
}

/** Domain names no other test (and no earlier run) loaded into the shared table. */
export function uniqueDomains(n: number): string[] {
  const tag = uniqueTag();
  return Array.from({ length: n }, (_, i) => `t${tag}-${i}.example.com`);
}

export async function migrate(): Promise<void> {
  await runMigrations({ questdbHttp: QUESTDB_HTTP });
}

export async function startTestSimulator(domains: readonly string[], options: Omit<SimulatorOptions, 'domains'> = {}): Promise<RunningSimulator> {
  return startSimulator({ ...options, domains: domains.map((name) => ({ name })) });
}

/** The environment a cdn-etl process needs to work against the simulator under `prefix`. */
export function cliEnv(sim: { readonly url: string }, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
    CDN_ENDPOINT: sim.url,
    CDN_ETL_REDIS_PREFIX: prefix,
    REDIS_URL,
    QUESTDB_HTTP,
    QUESTDB_PG,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process (no TTY), as `cdn-etl <argv>` would. */
export async function runCli(argv: readonly string[], env: Record<string, string>, signal?: AbortSignal): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { env, stdout, stderr, signal: signal ?? new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

/** Starts the compiled CLI (`npm run build` first) as a child process. */
export function spawnCli(argv: readonly string[], env: Record<string, string>): ChildProcess & { output: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/cdn-etl.js', ...argv], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // 'close', not 'exit': 'exit' may come before the last output is read from the pipes.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, closed });
}

/** The exit code, once the process has ended and its output has been read. */
export function exitOf(child: ChildProcess & { closed?: Promise<number | null> }): Promise<number | null> {
  if (child.closed) return child.closed;
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}


/** Every row of these domains, sorted by domain, interval, ts, once all committed writes are visible. */
export async function readRows(domains: readonly string[]): Promise<StoredRow[]> {
  await waitUntilVisible(QUESTDB_HTTP, TABLE, { timeoutMs: 60_000 });
  // The ledger is written after the rows: once both are visible, a rerun reuses exactly what was loaded.
  await waitUntilVisible(QUESTDB_HTTP, LEDGER_TABLE, { timeoutMs: 60_000 });
  const list = domains.map((d) => `'${d}'`).join(',');
  const result = await execSql(
    QUESTDB_HTTP,
    `SELECT ts, domain, interval_s, value FROM ${TABLE} WHERE domain IN (${list}) ORDER BY domain, interval_s, ts`,
  );
  return result.dataset.map((r) => ({ ts: Date.parse(String(r[0])), domain: String(r[1]), intervalS: Number(r[2]), value: Number(r[3]) }));
}

/** Runs `fn` with a PipelineClient on `prefix`, closed afterwards. */
export async function withPipelineClient<T>(prefix: string, fn: (client: PipelineClient) => Promise<T>): Promise<T> {
  const client = await PipelineClient.open({ redisUrl: REDIS_URL, prefix });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Of `chunks`, the ones QuestDB's ledger holds as archived final (chunk id -> rows), once the ledger is visible. */
export async function ledgerFinal(chunks: readonly Chunk[]): Promise<Map<string, number>> {
  await waitUntilVisible(QUESTDB_HTTP, LEDGER_TABLE, { timeoutMs: 60_000 });
  return new ChunkLedger({ questdbHttp: QUESTDB_HTTP }).knownFinal(chunks);
}

/** A chunk's state in backfill `id`: its window state while in flight, `failed` once failed, else undefined. */
export async function chunkState(client: PipelineClient, id: string, chunkId: string): Promise<string | undefined> {
  const entry = await client.store.inFlight(id, chunkId);
  if (entry) return entry.state;
  return (await client.store.failures(id)).some((f) => f.chunk.id === chunkId) ? 'failed' : undefined;
}

/** The id of the one-hour 1-minute chunk [start, end) of `domain`. */
export function chunkIdOf(domain: string, start: number, end: number): string {
  return chunkId(domain, 60, start, end);
}

/** The chunks of backfill `id` that ended with rows loaded or empty. */
export function endedChunks(prefix: string, id: string): Promise<Chunk[]> {
  return withPipelineClient(prefix, (client) => client.doneChunks(id));
}

/** Removes the queues and every bookkeeping key of a test prefix. */
export async function cleanPrefix(prefix: string): Promise<void> {
  await withPipelineClient(prefix, (client) => client.obliterate());
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** The id a `backfill` run printed (`backfill bf-...: N chunks ...` on stderr, or the id alone on stdout). */
export function backfillIdOf(result: { stdout: string; stderr: string }): string {
  const m = /\b(bf-\d{8}T\d{4}Z-[a-z0-9]{6})\b/.exec(result.stdout + result.stderr);
  if (!m) throw new Error(`no backfill id in output:\n${result.stdout}\n${result.stderr}`);
  return m[1]!;
}

/** A simulator in a child process (compiled build), whose arrival clock the test runner cannot disturb. */
export interface SimProcess {
  readonly url: string;
  stats(): Promise<SimulatorStats>;
  close(): Promise<void>;
}

export async function startSimProcess(domains: readonly string[], options: Omit<SimulatorOptions, 'domains' | 'now'> = {}): Promise<SimProcess> {
  const child = spawn(process.execPath, [new URL('./sim-host.mjs', import.meta.url).pathname, JSON.stringify({ ...options, domains: domains.map((name) => ({ name })) })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const { url } = JSON.parse(await next()) as { url: string };
  return {
    url,
    async stats() {
      const reply = next();
      child.stdin!.write('stats\n');
      const raw = JSON.parse(await reply) as SimulatorStats & { perCalendarSecond: Array<[number, number]> };
      return { ...raw, perCalendarSecond: new Map(raw.perCalendarSecond) };
    },
    async close() {
      if (child.exitCode !== null) return;
      child.stdin!.end('close\n');
      await exitOf(child);
    },
  };
}

/** What {@link useTestScope} hands a describe block. */
export interface TestScope {
  /** A Redis prefix no other test uses; it and every key under it are removed after the block's last test. */
  prefix(): string;
  /** A simulator in this process serving `domains`; closed after the test that started it. */
  simulator(domains: readonly string[], options?: Omit<SimulatorOptions, 'domains'>): Promise<RunningSimulator>;
  /** Closes `resource` (a simulator started some other way, say) after the current test; returns it. */
  closeAfterTest<T extends { close(): Promise<void> }>(resource: T): T;
}

/**
 * Registers the set-up every pipeline test block repeats: migrations before the first test (after checking the
 * compiled CLI exists when `needsBuild`), simulators closed after each test, prefixes cleaned after the last.
 * Call it first inside `describe`, so the block's own after-hooks (which run before earlier ones) stop its
 * processes while the simulators still answer.
 */
export function useTestScope(options: { readonly needsBuild?: boolean } = {}): TestScope {
  const prefixes: string[] = [];
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    if (options.needsBuild === true) requireBuild();
    await migrate();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    for (const p of prefixes) await cleanPrefix(p);
  });
  const closeAfterTest = <T extends { close(): Promise<void> }>(resource: T): T => {
    open.push(resource);
    return resource;
  };
  return {
    prefix() {
      const p = uniquePrefix();
      prefixes.push(p);
      return p;
    },
    async simulator(domains, simOptions = {}) {
      return closeAfterTest(await startTestSimulator(domains, simOptions));
    },
    closeAfterTest,
  };
}

/** Polls `probe` every 100 ms until it gives a value; the timeout only guards against a hang (generous), never the claim. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
