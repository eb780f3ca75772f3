/**
 * Redis and QuestDB with Docker Compose, when a Docker engine answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMPOSE_FILE, DOCKER_READY_TIMEOUT_MS, ServicesError, hostPort, isLoopback, note, redisAddress } from './settings.mjs';
import { probeQuestdbHttp, probeRedis, tcpOpen } from './probes.mjs';
import { lastLines, run, waitFor, which } from './processes.mjs';

export const dockerMarker = (s) => path.join(s.servicesDir, 'docker-compose.json');

export function dockerEngineAnswers() {
  if (!which('docker')) return false;
  return run('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

/** `docker compose` (v2 plugin) or the standalone `docker-compose`, as [command, ...leadingArgs]. */
export function composeCommand() {
  if (which('docker') && run('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 15_000 }).status === 0) return ['docker', 'compose'];
  if (which('docker-compose') && run('docker-compose', ['version'], { stdio: 'ignore', timeout: 15_000 }).status === 0) return ['docker-compose'];
  return undefined;
}

export function composeEnv(s) {
  return {
    ...process.env,
    CDN_ETL_REDIS_PORT: String(s.redis.port),
    CDN_ETL_QUESTDB_HTTP_PORT: String(s.questdb.httpPort),
    CDN_ETL_QUESTDB_PG_PORT: String(s.questdb.pgPort),
  };
}

export async function startWithCompose(s, compose, services) {
  if (services.includes('redis') && s.redis.password !== undefined) {
    throw new ServicesError('REDIS_URL carries a password but the Compose Redis has none: drop it from REDIS_URL or start Redis yourself');
  }
  if (services.includes('redis') && (!isLoopback(s.redis.host) || s.redis.tls)) throw new ServicesError(`no Redis answers at ${redisAddress(s.redis)} and Compose can only publish on this machine`);
  if (services.includes('questdb') && (!isLoopback(s.questdb.host) || s.questdb.tls)) throw new ServicesError(`no QuestDB answers at ${hostPort(s.questdb.host, s.questdb.httpPort)} and Compose can only publish on this machine`);
  const [cmd, ...lead] = compose;
  note(`starting ${services.join(' and ')} with ${compose.join(' ')}`);
  const up = run(cmd, [...lead, '-f', COMPOSE_FILE, 'up', '-d', ...services], { env: composeEnv(s), stdio: ['ignore', 'pipe', 'pipe'] });
  if (up.status !== 0) throw new ServicesError(`${compose.join(' ')} up failed: ${lastLines(up.stderr, 1) || `exit ${up.status}`}`);
  const previous = readDockerMarker(s);
  fs.mkdirSync(s.servicesDir, { recursive: true });
  fs.writeFileSync(dockerMarker(s), `${JSON.stringify({ compose, file: COMPOSE_FILE, services: [...new Set([...(previous?.services ?? []), ...services])] }, null, 2)}\n`);
  const results = {};
  for (const service of services) {
    const ok = await waitFor(
      async () => (service === 'redis' ? (await probeRedis(s.redis)).state === 'redis' : (await probeQuestdbHttp(s.questdb)).state === 'questdb' && (await tcpOpen(s.questdb.pgHost, s.questdb.pgPort))),
      DOCKER_READY_TIMEOUT_MS,
    );
    if (!ok) throw new ServicesError(`${service} started by Compose did not answer within ${DOCKER_READY_TIMEOUT_MS / 1000} s (see: ${compose.join(' ')} logs ${service})`);
    results[service] = { status: 'started', pid: undefined, log: `${compose.join(' ')} logs ${service}` };
  }
  return results;
}

export function readDockerMarker(s) {
  try {
    return JSON.parse(fs.readFileSync(dockerMarker(s), 'utf8'));
  } catch {
    return undefined;
  }
}
