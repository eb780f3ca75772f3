/**
 * Settings of the services script: constants, the one error type, and the addresses read from the
 * environment (same names as src/core/config.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest QuestDB on Maven Central that runs on Java 17; docker-compose.yml pins the same version. */
export const QUESTDB_VERSION = '9.3.4';
export const QUESTDB_MIN_JAVA = 17;
export const QUESTDB_HEAP = '-Xmx1g';
export const QUESTDB_READY_TIMEOUT_MS = 120_000;
export const REDIS_READY_TIMEOUT_MS = 15_000;
export const DOCKER_READY_TIMEOUT_MS = 180_000;
export const STOP_TIMEOUT_MS = { redis: 15_000, questdb: 30_000 };
export const PROBE_TIMEOUT_MS = 2_000;

export const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  QUESTDB_HTTP: 'http://127.0.0.1:9000',
  QUESTDB_PG: 'postgres://admin:quest@127.0.0.1:8812/qdb',
};

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

/** An expected failure: printed as one line, exit code attached. */
export class ServicesError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const note = (line) => process.stderr.write(`services: ${line}\n`);

export function parseUrl(raw, variable, protocols) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new ServicesError(`${variable} is not a valid URL`, 2);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ServicesError(`${variable} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`, 2);
  }
  return url;
}

export function portOf(url, fallback, variable) {
  const port = url.port === '' ? fallback : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ServicesError(`${variable} has no valid port`, 2);
  return port;
}

/** URL hostnames keep IPv6 brackets; sockets want them off. */
export const bareHost = (hostname) => hostname.replace(/^\[(.*)\]$/, '$1');

export function readSettings(env) {
  const redisUrl = parseUrl(env.REDIS_URL || DEFAULTS.REDIS_URL, 'REDIS_URL', ['redis:', 'rediss:']);
  const db = redisUrl.pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db)) throw new ServicesError('REDIS_URL: database number must be 0 to 15', 2);
  const httpUrl = parseUrl(env.QUESTDB_HTTP || DEFAULTS.QUESTDB_HTTP, 'QUESTDB_HTTP', ['http:', 'https:']);
  const pgUrl = parseUrl(env.QUESTDB_PG || DEFAULTS.QUESTDB_PG, 'QUESTDB_PG', ['postgres:', 'postgresql:']);
  if (Boolean(env.QUESTDB_USER) !== Boolean(env.QUESTDB_PASSWORD)) throw new ServicesError('QUESTDB_USER and QUESTDB_PASSWORD go together', 2);
  const servicesDir = path.resolve(env.CDN_ETL_SERVICES_DIR || path.join(REPO_ROOT, '.services'));
  const mode = (env.CDN_ETL_SERVICES_MODE || 'auto').toLowerCase();
  if (!['auto', 'docker', 'local'].includes(mode)) throw new ServicesError('CDN_ETL_SERVICES_MODE must be auto, docker or local', 2);
  const cacheRoot = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return {
    mode,
    servicesDir,
    cacheDir: path.join(cacheRoot, 'cdn-etl'),
    javaHome: env.JAVA_HOME || undefined,
    redis: {
      tls: redisUrl.protocol === 'rediss:',
      host: bareHost(redisUrl.hostname) || '127.0.0.1',
      port: portOf(redisUrl, 6379, 'REDIS_URL'),
      db: db === '' ? 0 : Number(db),
      username: redisUrl.username ? decodeURIComponent(redisUrl.username) : undefined,
      // Never printed: only sent in AUTH and written to a 0600 config file.
      password: redisUrl.password ? decodeURIComponent(redisUrl.password) : undefined,
    },
    questdb: {
      tls: httpUrl.protocol === 'https:',
      host: bareHost(httpUrl.hostname),
      httpPort: portOf(httpUrl, httpUrl.protocol === 'https:' ? 443 : 80, 'QUESTDB_HTTP'),
      pgHost: bareHost(pgUrl.hostname) || '127.0.0.1',
      pgPort: portOf(pgUrl, 5432, 'QUESTDB_PG'),
      pgUser: pgUrl.username ? decodeURIComponent(pgUrl.username) : 'admin',
      pgPassword: pgUrl.password ? decodeURIComponent(pgUrl.password) : 'quest',
      // QUESTDB_USER/QUESTDB_PASSWORD: a started QuestDB gets HTTP basic auth (REST and ILP); never printed.
      httpUser: env.QUESTDB_USER || undefined,
      httpPassword: env.QUESTDB_PASSWORD || undefined,
    },
  };
}

export const isLoopback = (host) => host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
/** QuestDB binds IPv4 addresses only. */
export const ipv4BindAddress = (host) => (host === 'localhost' ? '127.0.0.1' : /^127\.\d+\.\d+\.\d+$/.test(host) ? host : undefined);
export const hostPort = (host, port) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
export const redisAddress = (r) => `${r.tls ? 'rediss' : 'redis'}://${hostPort(r.host, r.port)}/${r.db}`;
export const questdbAddress = (q) => `${q.tls ? 'https' : 'http'}://${hostPort(q.host, q.httpPort)} (pg ${hostPort(q.pgHost, q.pgPort)})`;
