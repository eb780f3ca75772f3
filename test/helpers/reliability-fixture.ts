/**
 * Shared parts of the reliability suite (test/reliability/) and the soak (bench/soak.ts): unique names, the
 * expected rows of a set of chunks, exact reads of QuestDB over PG wire with bind parameters, bookkeeping
 * polls, private Redis/QuestDB servers started through scripts/services.mjs on free ports (never the shared
 * ones), child processes of the compiled CLI with their whole output kept, and per-process RSS sampling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Chunk } from '../../src/core/model.js';
import type { BackfillSummary, ChunkFailure } from '../../src/pipeline/backfill-store.js';
import { PipelineClient } from '../../src/pipeline/pipeline-client.js';
import { sleep } from '../../src/core/sleep.js';
import { runMigrations } from '../../src/store/migrations-runner.js';
import { questDbEndpoint, type QuestDbEndpoint } from '../../src/store/questdb-access.js';
import { QuestDbPg } from '../../src/store/questdb-pg.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { LEDGER_TABLE } from '../../src/store/chunk-ledger.js';
import { byRowKey, type StoredRow } from './expected-rows.js';
import { QUESTDB_HTTP, QUESTDB_PG, REDIS_URL } from './test-services.js';

export { expectedRows, type StoredRow } from './expected-rows.js';
export { DAY, HOUR, hoursRange } from './time-ranges.js';

/** The repository root: the nearest directory above this module holding bin/cdn-etl.js (also when compiled into dist/). */
export const REPO_ROOT = ((): string => {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  while (!existsSync(path.join(dir, 'bin', 'cdn-etl.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (bin/cdn-etl.js)');
    dir = up;
  }
  return dir;
})();
export const SHARED_REDIS_URL = REDIS_URL;
export const SHARED_QUESTDB_HTTP = QUESTDB_HTTP;
export const SHARED_QUESTDB_PG = QUESTDB_PG;
export const TABLE = 'cdn_src_traffic';

export function tag(): string {
  return randomBytes(4).toString('hex');
}

/** `r<tag>-<i>.example.com`: names no other test or earlier run has loaded. */
export function reliabilityDomains(n: number): string[] {
  const t = tag();
  return Array.from({ length: n }, (_, i) => `r${t}-${i}.example.com`);
}

export function reliabilityPrefix(): string {
  return `rel-${tag()}`;
}


/** Every row of these domains once all committed writes are visible; one bound query per domain. */
export async function readRows(domains: readonly string[], where: { http: string; pg: string } = { http: SHARED_QUESTDB_HTTP, pg: SHARED_QUESTDB_PG }): Promise<StoredRow[]> {
  await waitUntilVisible(where.http, TABLE, { timeoutMs: 120_000 });
  // The ledger is written after the rows: once both are visible, a rerun reuses exactly what was loaded.
  await waitUntilVisible(where.http, LEDGER_TABLE, { timeoutMs: 120_000 });
  const db = new QuestDbPg({ url: where.pg, queryTimeoutMs: 120_000 });
  try {
    const rows: StoredRow[] = [];
    for (const domain of domains) {
      const got = await db.query<{ ts: number; domain: string; interval_s: number; value: number }>(
        'SELECT ts, domain, interval_s, value FROM cdn_src_traffic WHERE domain = $1',
        [domain],
      );
      for (const r of got) rows.push({ ts: Number(r.ts), domain: String(r.domain), intervalS: Number(r.interval_s), value: Number(r.value) });
    }
    return rows.sort(byRowKey);
  } finally {
    await db.close();
  }
}

/** Keys of duplicated (domain, interval, ts) rows: none may exist. */
export function duplicateKeys(rows: readonly StoredRow[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const r of rows) {
    const k = `${r.domain}|${r.intervalS}|${r.ts}`;
    if (seen.has(k)) dup.push(k);
    seen.add(k);
  }
  return dup;
}

export async function withClient<T>(redisUrl: string, prefix: string, fn: (client: PipelineClient) => Promise<T>): Promise<T> {
  const client = await PipelineClient.open({ redisUrl, prefix });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * Polls a backfill's bookkeeping until `until` holds. Redis being unreachable for a moment (a restart) is
 * waited out, not fatal.
 */
export async function pollSummary(redisUrl: string, prefix: string, id: string, until: (s: BackfillSummary) => boolean, timeoutMs: number): Promise<BackfillSummary> {
  const deadline = Date.now() + timeoutMs;
  let last: BackfillSummary | undefined;
  for (;;) {
    try {
      last = await withClient(redisUrl, prefix, async (c) => (await c.store.summary(id))!);
      if (until(last)) return last;
    } catch {
      // Redis restarting: try again.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last summary ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/** The failed chunks of backfill `id`, with their codes. */
export async function failedChunks(redisUrl: string, prefix: string, id: string): Promise<ChunkFailure[]> {
  return withClient(redisUrl, prefix, (c) => c.store.failures(id));
}

/** The chunks of backfill `id` that ended with rows loaded or empty. */
export async function doneChunks(redisUrl: string, prefix: string, id: string): Promise<Chunk[]> {
  return withClient(redisUrl, prefix, (c) => c.doneChunks(id));
}

/** Removes both queues and every key under `prefix`. */
export async function cleanPrefix(redisUrl: string, prefix: string): Promise<void> {
  await withClient(redisUrl, prefix, (c) => c.obliterate()).catch(() => undefined);
  const redis = new Redis(redisUrl, { lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // A private Redis already stopped: nothing to clean.
  } finally {
    redis.disconnect();
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Private servers through scripts/services.mjs
// ---------------------------------------------------------------------------------------------

export interface PrivateServices {
  readonly redisUrl: string;
  readonly questdbHttp: string;
  /** questdbHttp with the credentials it was started with (none without questdbAuth). */
  readonly questdb: QuestDbEndpoint;
  readonly questdbPg: string;
  /** Stops what this instance started (the server(s) it owns); their data stays for up(). */
  down(): Promise<void>;
  /** Starts them again on the same ports and data directory. */
  up(): Promise<void>;
  /** down() and removes the state directory. */
  destroy(): Promise<void>;
}

/**
 * A private Redis (AOF on) and/or a private QuestDB on free ports, started with `scripts/services.mjs` in a
 * state directory of their own; the other service is the shared one, reused and never touched. The script
 * runs asynchronously: a simulator in the calling process must keep answering (and timing calls) meanwhile.
 */
export async function startPrivateServices(which: { redis?: boolean; questdb?: boolean; questdbAuth?: { user: string; password: string } }): Promise<PrivateServices> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdn-etl-rel-'));
  const redisUrl = which.redis ? `redis://127.0.0.1:${await freePort()}` : SHARED_REDIS_URL;
  const questdbHttp = which.questdb ? `http://127.0.0.1:${await freePort()}` : SHARED_QUESTDB_HTTP;
  const questdbPg = which.questdb ? `postgres://admin:quest@127.0.0.1:${await freePort()}/qdb` : SHARED_QUESTDB_PG;
  const auth = which.questdbAuth ? { QUESTDB_USER: which.questdbAuth.user, QUESTDB_PASSWORD: which.questdbAuth.password } : { QUESTDB_USER: '', QUESTDB_PASSWORD: '' };
  const env = { ...process.env, ...auth, REDIS_URL: redisUrl, QUESTDB_HTTP: questdbHttp, QUESTDB_PG: questdbPg, CDN_ETL_SERVICES_DIR: dir, CDN_ETL_SERVICES_MODE: 'local' };
  const run = (command: 'up' | 'down'): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['scripts/services.mjs', command], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`services.mjs ${command} failed (${code}): ${output}`));
      });
    });
  await run('up');
  const questdb = questDbEndpoint(questdbHttp, which.questdbAuth ? { auth: { kind: 'basic', ...which.questdbAuth } } : {});
  if (which.questdb) await runMigrations({ questdbHttp: questdb });
  return {
    redisUrl,
    questdbHttp,
    questdb,
    questdbPg,
    down: () => run('down'),
    up: () => run('up'),
    destroy: async () => {
      try {
        await run('down');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes of the compiled CLI
// ---------------------------------------------------------------------------------------------

export interface CliProcess extends ChildProcess {
  /** Everything written so far to stdout and stderr. */
  readonly out: () => string;
  readonly err: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Starts `node bin/cdn-etl.js <argv>` with exactly `env` (plus PATH). Run `npm run build` first. */
export function spawnCli(argv: readonly string[], env: Readonly<Record<string, string>>): CliProcess {
  const child = spawn(process.execPath, ['bin/cdn-etl.js', ...argv], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': 'exit' may come before the last output is read from the pipes.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return Object.assign(child, { out: () => out, err: () => err, exited });
}

/** Runs the CLI to its end (killed after timeoutMs). */
export async function runCliProcess(argv: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(argv, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.out(), stderr: child.err() };
}

/** SIGKILLs a child if it still runs and waits for it. */
export async function killHard(child: CliProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await child.exited;
}

/** The id a `backfill` run printed. */
export function backfillIdOf(text: string): string {
  const m = /\b(bf-\d{8}T\d{4}Z-[a-z0-9]{6})\b/.exec(text);
  if (!m) throw new Error(`no backfill id in output:\n${text}`);
  return m[1]!;
}

/** The JSON log lines (pino) in a process's output; other lines are skipped. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log line.
    }
  }
  return out;
}

/** How many `chunk ended` lines with outcome `loaded` each chunk (domain|interval|start) has. */
export function loadedLineCounts(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const l of jsonLines(text)) {
      if (l.outcome !== 'loaded') continue;
      const k = `${String(l.domain)}|${String(l.intervalS)}|${String(l.start)}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/** Resident set size of a process in bytes (Linux /proc), or undefined once it has exited. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Samples per pid: [ms since start, bytes]. */
  readonly samples: Map<number, Array<[number, number]>>;
  stop(): void;
}

/** Samples the RSS of each pid every `everyMs`. */
export function sampleRss(pids: readonly number[], everyMs = 1_000): RssSampler {
  const started = Date.now();
  const samples = new Map<number, Array<[number, number]>>(pids.map((p) => [p, []]));
  const take = (): void => {
    for (const pid of pids) {
      const rss = rssOf(pid);
      if (rss !== undefined) samples.get(pid)!.push([Date.now() - started, rss]);
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}
