#!/usr/bin/env node
/**
 * Starts, reports and stops the Redis and QuestDB that cdn-etl and its tests need.
 *
 *   node scripts/services.mjs up      reuse what answers, start what does not, print what runs where
 *   node scripts/services.mjs down    stop only what `up` started (pidfiles / compose marker)
 *   node scripts/services.mjs status  print what answers, start nothing
 *
 * Plain Node ESM, no build step. One module per job under scripts/services/: settings.mjs (environment),
 * probes.mjs (what answers; Redis asked with ioredis, so `npm ci` comes first), processes.mjs (pidfiles, apt-get,
 * the lock), redis-local.mjs, questdb-local.mjs, compose.mjs. This file holds the three commands.
 * It is a developer tool outside src/, so it reads the environment itself (same names as src/core/config.ts):
 *   REDIS_URL, QUESTDB_HTTP, QUESTDB_PG         where the services are (contract defaults below)
 *   QUESTDB_USER, QUESTDB_PASSWORD              a QuestDB started here gets HTTP basic auth (REST and ILP)
 *   CDN_ETL_SERVICES_DIR                        state dir (default <repo>/.services); lets copies run side by side
 *   CDN_ETL_SERVICES_MODE                       auto (default: Docker Compose when `docker info` works) | docker | local
 *   XDG_CACHE_HOME, JAVA_HOME                   where the QuestDB jar is cached; which Java runs it
 *
 * Exit codes: 0 ok, 1 failure (one line on stderr, no stack), 2 bad usage or configuration.
 */
import fs from 'node:fs';
import { QUESTDB_READY_TIMEOUT_MS, REDIS_READY_TIMEOUT_MS, STOP_TIMEOUT_MS, ServicesError, hostPort, note, questdbAddress, readSettings, redisAddress } from './services/settings.mjs';
import { probeQuestdbHttp, probeRedis, tcpOpen } from './services/probes.mjs';
import { lastLines, readPid, run, stopPid, waitFor, withLock } from './services/processes.mjs';
import { ownRedisPid, redisPaths, startRedisLocal } from './services/redis-local.mjs';
import { ownQuestdbPid, questdbPaths, startQuestdbLocal } from './services/questdb-local.mjs';
import { composeCommand, composeEnv, dockerEngineAnswers, dockerMarker, readDockerMarker, startWithCompose } from './services/compose.mjs';

/** What runs now on the configured addresses, and whether this state dir started it. */
async function inspect(s) {
  const [redis, questdb] = await Promise.all([probeRedis(s.redis), probeQuestdbHttp(s.questdb)]);
  if (redis.state === 'auth') throw new ServicesError(`Redis at ${redisAddress(s.redis)} refused the credentials of REDIS_URL: ${redis.detail}`);
  if (redis.state === 'dberror') throw new ServicesError(`Redis at ${redisAddress(s.redis)} refused database ${s.redis.db} of REDIS_URL: ${redis.detail}`);
  if (redis.state === 'other') {
    throw new ServicesError(`port ${hostPort(s.redis.host, s.redis.port)} (REDIS_URL) is taken by a program that is not Redis (${redis.detail}); stop it or choose another port in REDIS_URL`);
  }
  return { redis, questdb };
}

function redisLine(s, redis, status) {
  const own = ownRedisPid(s);
  const pid = status.pid ?? own ?? redis?.pid;
  const log = status.log ?? (own ? redisPaths(s).log : undefined);
  return `redis    ${status.status.padEnd(8)} ${redisAddress(s.redis)}  pid ${pid ?? '-'}  log ${log ?? '-'}`;
}

function questdbLine(s, status) {
  const own = ownQuestdbPid(s);
  const pid = status.pid ?? own;
  const log = status.log ?? (own ? questdbPaths(s).log : undefined);
  return `questdb  ${status.status.padEnd(8)} ${questdbAddress(s.questdb)}  pid ${pid ?? '-'}  log ${log ?? '-'}`;
}

/** "reused" when someone else runs it; "running" when an earlier `up` of this state dir started it. */
function reuseStatus(ownPid) {
  return { status: ownPid ? 'running' : 'reused' };
}

function warnAboutReusedRedis(s, redis) {
  const issues = [];
  if (redis.appendonly === 'no') issues.push('appendonly is off (a restart loses queued work)');
  if (redis.maxmemoryPolicy && redis.maxmemoryPolicy !== 'noeviction') issues.push(`maxmemory-policy is ${redis.maxmemoryPolicy}, not noeviction (BullMQ may lose jobs)`);
  if (issues.length > 0) note(`the Redis at ${redisAddress(s.redis)} is fine for tests, not production: ${issues.join('; ')}`);
}

async function up(s) {
  return withLock(s.servicesDir, async () => {
    const { redis, questdb } = await inspect(s);
    // A server this state dir started may still be starting (an earlier `up` was interrupted):
    // wait for it rather than start a second one on the same ports and data.
    if (questdb.state !== 'questdb' && ownQuestdbPid(s)) {
      note(`waiting for the QuestDB started earlier (pid ${ownQuestdbPid(s)}) to answer`);
      if (await waitFor(async () => (await probeQuestdbHttp(s.questdb)).state === 'questdb', QUESTDB_READY_TIMEOUT_MS)) questdb.state = 'questdb';
      else throw new ServicesError(`the QuestDB started earlier from ${s.servicesDir} (pid ${ownQuestdbPid(s)}) does not answer; run services:down, then services:up`);
    }
    if (redis.state !== 'redis' && ownRedisPid(s)) {
      const probe = await waitFor(async () => {
        const p = await probeRedis(s.redis);
        return p.state === 'redis' ? p : undefined;
      }, REDIS_READY_TIMEOUT_MS);
      if (!probe) throw new ServicesError(`the Redis started earlier from ${s.servicesDir} (pid ${ownRedisPid(s)}) does not answer; run services:down, then services:up`);
      Object.assign(redis, probe);
    }
    if (questdb.state === 'other') {
      throw new ServicesError(`port ${hostPort(s.questdb.host, s.questdb.httpPort)} (QUESTDB_HTTP) answers but is not QuestDB (${questdb.detail}); stop that program or choose another port in QUESTDB_HTTP`);
    }
    if (questdb.state === 'questdb' && !(await tcpOpen(s.questdb.pgHost, s.questdb.pgPort))) {
      throw new ServicesError(`QuestDB answers on ${hostPort(s.questdb.host, s.questdb.httpPort)} but nothing listens on port ${s.questdb.pgPort} named by QUESTDB_PG`);
    }
    const missing = [...(redis.state === 'closed' ? ['redis'] : []), ...(questdb.state === 'closed' ? ['questdb'] : [])];
    let started = {};
    if (missing.length > 0) {
      const engine = s.mode !== 'local' && dockerEngineAnswers();
      const compose = engine ? composeCommand() : undefined;
      if (s.mode === 'docker' && !compose) throw new ServicesError('CDN_ETL_SERVICES_MODE=docker but no Docker engine with Compose answers');
      if (compose) {
        started = await startWithCompose(s, compose, missing);
      } else {
        if (engine) note('Docker answers but Compose is missing: using local binaries');
        if (missing.includes('redis')) started.redis = await startRedisLocal(s);
        if (missing.includes('questdb')) started.questdb = await startQuestdbLocal(s);
      }
    }
    if (!started.redis) warnAboutReusedRedis(s, redis);
    process.stdout.write(`${redisLine(s, redis, started.redis ?? reuseStatus(ownRedisPid(s)))}\n`);
    process.stdout.write(`${questdbLine(s, started.questdb ?? reuseStatus(ownQuestdbPid(s)))}\n`);
  });
}

async function status(s) {
  const { redis, questdb } = await inspect(s);
  const state = (answers, ownPid) => ({ status: answers ? (ownPid ? 'running' : 'reused') : 'down' });
  process.stdout.write(`${redisLine(s, redis, state(redis.state === 'redis', ownRedisPid(s)))}\n`);
  const qdbState = questdb.state === 'other' ? { status: 'foreign' } : state(questdb.state === 'questdb', ownQuestdbPid(s));
  process.stdout.write(`${questdbLine(s, qdbState)}\n`);
}


async function down(s) {
  return withLock(s.servicesDir, async () => {
    const lines = [];
    const marker = readDockerMarker(s);
    if (marker) {
      const [cmd, ...lead] = marker.compose;
      // `down` without -v: the named volumes (the data) stay.
      const result = run(cmd, [...lead, '-f', marker.file, 'down'], { env: composeEnv(s), stdio: ['ignore', 'pipe', 'pipe'] });
      if (result.status !== 0) throw new ServicesError(`${marker.compose.join(' ')} down failed: ${lastLines(result.stderr, 1) || `exit ${result.status}`}`);
      fs.rmSync(dockerMarker(s), { force: true });
      lines.push(`compose  stopped  ${marker.services.join(', ')} (volumes kept)`);
    }
    for (const [name, own, paths, timeout] of [
      ['redis', ownRedisPid(s), redisPaths(s), STOP_TIMEOUT_MS.redis],
      ['questdb', ownQuestdbPid(s), questdbPaths(s), STOP_TIMEOUT_MS.questdb],
    ]) {
      const recorded = readPid(paths.pid);
      if (own) {
        const how = await stopPid(own, timeout);
        lines.push(`${name.padEnd(8)} ${how.padEnd(8)} pid ${own}`);
      } else if (recorded !== undefined) {
        lines.push(`${name.padEnd(8)} ${'gone'.padEnd(8)} pid ${recorded} no longer runs (stale pidfile removed)`);
      }
      fs.rmSync(paths.pid, { force: true });
    }
    if (lines.length === 0) lines.push('nothing to stop: services:up started nothing from this state directory');
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

async function main(argv) {
  const command = argv[0];
  const commands = { up, down, status };
  if (!Object.hasOwn(commands, command) || argv.length > 1) {
    throw new ServicesError('usage: node scripts/services.mjs up|down|status', 2);
  }
  const settings = readSettings(process.env);
  await commands[command](settings);
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (err) => {
    const message = err instanceof ServicesError ? err.message : `unexpected failure: ${err && err.message ? err.message : String(err)}`;
    process.stderr.write(`services ${process.argv[2] ?? ''}: ${message.split('\n')[0]}\n`.replace('services : ', 'services: '));
    process.exitCode = err instanceof ServicesError ? err.exitCode : 1;
  },
);
