/**
 * Loader benchmark: the same rows written by TrafficLoader and by a bare @questdb/nodejs-client
 * Sender (same batch size, same client options, same table shape, separate tables), in one
 * process, alternating which goes first. Prints rows/s of each and loader/bare (goal >= 0.9).
 *
 * Usage: npm run bench:loader [-- --rows 1000000 --rounds 3 --batch-rows 50000]
 * Writes into bench_loader_traffic and bench_bare_traffic (dropped at the end), never into
 * cdn_src_traffic. Rows/s counts until QuestDB accepted the last flush (in the WAL); between
 * runs both tables are waited on until applied, so one run's apply work does not slow the next.
 */
import { Sender } from '@questdb/nodejs-client';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { loadConfig } from '../src/core/config.js';
import { execSql } from '../src/store/questdb-http.js';
import { TrafficLoader, type LoadRow } from '../src/store/traffic-loader.js';
import { waitUntilVisible } from '../src/store/wal-visibility.js';

const LOADER_TABLE = 'bench_loader_traffic';
const BARE_TABLE = 'bench_bare_traffic';
const DOMAINS = 100;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    'batch-rows': { type: 'string', default: '50000' },
    'questdb-http': { type: 'string' },
  },
});
const totalRows = Number(values.rows);
const rounds = Number(values.rounds);
const batchRows = Number(values['batch-rows']);
const http = loadConfig(process.env, { questdbHttp: values['questdb-http'] }).questdbHttp;
const origin = new URL(http);

function ddl(table: string): string {
  // Same shape as migrations/001_create_cdn_src_traffic.sql.
  return `CREATE TABLE ${table} (ts TIMESTAMP, domain SYMBOL CAPACITY 4096 CACHE, interval_s INT, value DOUBLE, fetched_at TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, domain, interval_s)`;
}

/** `count` new rows: DOMAINS domains x consecutive minutes; `tag` makes each run's keys new. */
function makeRows(count: number, tag: string): LoadRow[] {
  const perDomain = Math.ceil(count / DOMAINS);
  const start = Date.UTC(2025, 0, 1);
  const domains = Array.from({ length: DOMAINS }, (_, d) => `d${d}-${tag}.bench.example.com`);
  const rows: LoadRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const d = Math.floor(i / perDomain);
    const slot = i % perDomain;
    rows[i] = { ts: start + slot * 60_000, domain: domains[d]!, intervalS: 60, value: (i * 7919) % 1_000_000_007 };
  }
  return rows;
}

async function runLoader(rows: readonly LoadRow[], fetchedAt: number): Promise<number> {
  const loader = await TrafficLoader.create({ questdbHttp: http, table: LOADER_TABLE, batchRows });
  // Not timed: the one-off table check the loader makes on its first batch.
  await loader.load(rows.slice(0, 1), { fetchedAt });
  const t0 = performance.now();
  await loader.load(rows, { fetchedAt });
  const ms = performance.now() - t0;
  await loader.close();
  return ms;
}

async function runBare(rows: readonly LoadRow[], fetchedAt: number): Promise<number> {
  const agent = new Agent({ connect: { keepAlive: true }, pipelining: 1, keepAliveTimeout: 60_000 });
  const initBuf = Math.min(Math.max(64 * 1024, batchRows * 128), 256 * 1024 * 1024);
  const sender = await Sender.fromConfig(
    `http::addr=${origin.hostname}:${origin.port || 80};auto_flush=off;protocol_version=2;request_timeout=30000;retry_timeout=10000;init_buf_size=${initBuf};max_buf_size=${1024 * 1024 * 1024}`,
    { agent, log: () => undefined },
  );
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    sender.table(BARE_TABLE).symbol('domain', r.domain).intColumn('interval_s', r.intervalS).floatColumn('value', r.value).timestampColumn('fetched_at', fetchedAt, 'ms');
    await sender.at(r.ts, 'ms');
    if ((i + 1) % batchRows === 0) await sender.flush();
  }
  await sender.flush();
  const ms = performance.now() - t0;
  await sender.close();
  await agent.close();
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  console.log(`loader benchmark: ${totalRows.toLocaleString('en')} rows per run, ${rounds} rounds, batches of ${batchRows.toLocaleString('en')}, QuestDB ${http}`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  for (const t of [LOADER_TABLE, BARE_TABLE]) {
    await execSql(http, `DROP TABLE IF EXISTS ${t}`);
    await execSql(http, ddl(t));
  }
  const settle = async (): Promise<void> => {
    await waitUntilVisible(http, LOADER_TABLE, { timeoutMs: 300_000 });
    await waitUntilVisible(http, BARE_TABLE, { timeoutMs: 300_000 });
  };
  try {
    // Warm-up (not counted): JIT, connections, partitions.
    const warm = makeRows(Math.min(100_000, totalRows), 'warm');
    await runLoader(warm, Date.now());
    await runBare(warm, Date.now());
    await settle();

    const loaderRates: number[] = [];
    const bareRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const rows = makeRows(totalRows, `r${round}`);
      const order = round % 2 === 0 ? (['loader', 'bare'] as const) : (['bare', 'loader'] as const);
      for (const which of order) {
        const ms = which === 'loader' ? await runLoader(rows, Date.now()) : await runBare(rows, Date.now());
        const rate = totalRows / (ms / 1000);
        (which === 'loader' ? loaderRates : bareRates).push(rate);
        console.log(`round ${round + 1} ${which.padEnd(6)} ${Math.round(ms).toString().padStart(6)} ms  ${Math.round(rate).toLocaleString('en').padStart(10)} rows/s`);
        await settle();
      }
    }
    const loaderRate = median(loaderRates);
    const bareRate = median(bareRates);
    const counts = [];
    for (const t of [LOADER_TABLE, BARE_TABLE]) counts.push((await execSql(http, `SELECT count() FROM ${t}`)).dataset[0]![0]);
    console.log(`rows stored: loader table ${String(counts[0])}, bare table ${String(counts[1])} (expected ${rounds * totalRows + Math.min(100_000, totalRows)} each)`);
    console.log(`median: TrafficLoader ${Math.round(loaderRate).toLocaleString('en')} rows/s, bare Sender ${Math.round(bareRate).toLocaleString('en')} rows/s`);
    console.log(`ratio loader/bare: ${(loaderRate / bareRate).toFixed(3)} (goal >= 0.9)`);
  } finally {
    for (const t of [LOADER_TABLE, BARE_TABLE]) await execSql(http, `DROP TABLE IF EXISTS ${t}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:loader failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
