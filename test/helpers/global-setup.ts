/**
 * Vitest globalSetup: runs once before any test file. Integration tests need the real Redis and
 * QuestDB named by REDIS_URL / QUESTDB_HTTP / QUESTDB_PG; this fails the run at once, with one
 * clear message, when they do not answer, instead of letting every test time out on its own.
 * (`npm test` starts them in its pretest through `npm run services:up`.)
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, redactUrl, type Config } from '../../src/core/config.js';
import { ServiceUnavailableError } from '../../src/core/errors.js';
import { runMigrations } from '../../src/store/migrations-runner.js';
import { recordValueUnit } from '../../src/store/value-unit.js';
import { healInvalidViews } from '../../src/store/view-health.js';

const PROBE_TIMEOUT_MS = 5_000;

/** Resolves when Redis answers PING on `redisUrl` (its database and credentials included). */
async function checkRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis reports the cause (ECONNREFUSED, WRONGPASS) as an 'error' event and then rejects with a
  // bare "Connection is closed": keep the cause for the message.
  let cause: unknown;
  redis.on('error', (err: unknown) => {
    cause ??= err;
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (err) {
    throw cause ?? err;
  } finally {
    redis.disconnect();
  }
}

/** Resolves when QuestDB's HTTP endpoint answers GET /ping with 204. */
async function checkQuestdbHttp(questdbHttp: string): Promise<void> {
  const res = await fetch(`${questdbHttp}/ping`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await res.body?.cancel();
  if (res.status !== 204) throw new Error(`GET /ping answered HTTP ${res.status}, not 204: is it QuestDB?`);
}

/** Resolves when QuestDB answers a query over PG wire. */
async function checkQuestdbPg(questdbPg: string): Promise<void> {
  const client = new pg.Client({ connectionString: questdbPg, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** The most telling message of an error: fetch and net wrap the real one (ECONNREFUSED) in `cause`. */
function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reason(err.errors[0]);
  if (err instanceof Error && err.cause !== undefined && err.message === 'fetch failed') return reason(err.cause);
  if (err instanceof Error) return err.message || ('code' in err ? String(err.code) : err.name);
  return String(err);
}

/**
 * Checks that every service the suite needs answers; throws one ServiceUnavailableError naming each
 * that does not (addresses without passwords) and how to start them.
 */
export async function checkServices(config: Config): Promise<void> {
  const checks: [string, string, Promise<void>][] = [
    ['Redis', `${redactUrl(config.redisUrl)} (REDIS_URL)`, checkRedis(config.redisUrl)],
    ['QuestDB HTTP', `${config.questdbHttp} (QUESTDB_HTTP)`, checkQuestdbHttp(config.questdbHttp)],
    ['QuestDB PG wire', `${redactUrl(config.questdbPg)} (QUESTDB_PG)`, checkQuestdbPg(config.questdbPg)],
  ];
  const results = await Promise.allSettled(checks.map(([, , check]) => check));
  const failed = results.flatMap((result, i) => {
    const [service, address] = checks[i]!;
    return result.status === 'rejected' ? [{ service, line: `${service} at ${address}: ${reason(result.reason)}` }] : [];
  });
  if (failed.length > 0) {
    throw new ServiceUnavailableError(
      failed.map((f) => f.service).join(', '),
      `the test services do not answer. ${failed.map((f) => f.line).join('; ')}. Start them with \`npm run services:up\` (same environment as the tests).`,
    );
  }
}

export default async function setup(): Promise<void> {
  const config = loadConfig(process.env);
  await checkServices(config);
  // The real migrations are shared by every integration test (each isolates itself by domain names).
  await runMigrations({ questdbHttp: config.questdbHttp });
  // As `cdn-etl migrate` does: the views derive bytes from the recorded unit (byte, the default).
  await recordValueUnit(config.questdbHttp, config.valueUnit);
  // A shared QuestDB may have been used before: a TRUNCATE there leaves the rollups invalid for good.
  await healInvalidViews(config.questdbHttp);
}
