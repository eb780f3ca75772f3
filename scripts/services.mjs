#!/usr/bin/env node
/**
 * Starts, reports and stops the Redis and QuestDB that cdn-etl and its tests need.
 *
 *   node scripts/services.mjs up      reuse what answers, start what does not, print what runs where
 *   node scripts/services.mjs down    stop only what `up` started (pidfiles / compose marker)
 *   node scripts/services.mjs status  print what answers, start nothing
 *
 * Plain Node ESM with builtins only: it must run in a fresh clone before `npm ci` has built anything.
 * It is a developer tool outside src/, so it reads the environment itself (same names as src/core/config.ts):
 *   REDIS_URL, QUESTDB_HTTP, QUESTDB_PG         where the services are (contract defaults below)
 *   CDN_ETL_SERVICES_DIR                        state dir (default <repo>/.services); lets copies run side by side
 *   CDN_ETL_SERVICES_MODE                       auto (default: Docker Compose when `docker info` works) | docker | local
 *   XDG_CACHE_HOME, JAVA_HOME                   where the QuestDB jar is cached; which Java runs it
 *
 * Exit codes: 0 ok, 1 failure (one line on stderr, no stack), 2 bad usage or configuration.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

/** Newest QuestDB on Maven Central that runs on Java 17; docker-compose.yml pins the same version. */
const QUESTDB_VERSION = '9.3.4';
const QUESTDB_MIN_JAVA = 17;
const QUESTDB_HEAP = '-Xmx1g';
const QUESTDB_READY_TIMEOUT_MS = 120_000;
const REDIS_READY_TIMEOUT_MS = 15_000;
const DOCKER_READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = { redis: 15_000, questdb: 30_000 };
const PROBE_TIMEOUT_MS = 2_000;

const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  QUESTDB_HTTP: 'http://127.0.0.1:9000',
  QUESTDB_PG: 'postgres://admin:quest@127.0.0.1:8812/qdb',
};

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

/** An expected failure: printed as one line, exit code attached. */
class ServicesError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const note = (line) => process.stderr.write(`services: ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

function parseUrl(raw, variable, protocols) {
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

function portOf(url, fallback, variable) {
  const port = url.port === '' ? fallback : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ServicesError(`${variable} has no valid port`, 2);
  return port;
}

/** URL hostnames keep IPv6 brackets; sockets want them off. */
const bareHost = (hostname) => hostname.replace(/^\[(.*)\]$/, '$1');

function readSettings(env) {
  const redisUrl = parseUrl(env.REDIS_URL || DEFAULTS.REDIS_URL, 'REDIS_URL', ['redis:', 'rediss:']);
  const db = redisUrl.pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db)) throw new ServicesError('REDIS_URL: database number must be 0 to 15', 2);
  const httpUrl = parseUrl(env.QUESTDB_HTTP || DEFAULTS.QUESTDB_HTTP, 'QUESTDB_HTTP', ['http:', 'https:']);
  const pgUrl = parseUrl(env.QUESTDB_PG || DEFAULTS.QUESTDB_PG, 'QUESTDB_PG', ['postgres:', 'postgresql:']);
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
    },
  };
}

const isLoopback = (host) => host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
/** QuestDB binds IPv4 addresses only. */
const ipv4BindAddress = (host) => (host === 'localhost' ? '127.0.0.1' : /^127\.\d+\.\d+\.\d+$/.test(host) ? host : undefined);
const hostPort = (host, port) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
const redisAddress = (r) => `${r.tls ? 'rediss' : 'redis'}://${hostPort(r.host, r.port)}/${r.db}`;
const questdbAddress = (q) => `${q.tls ? 'https' : 'http'}://${hostPort(q.host, q.httpPort)} (pg ${hostPort(q.pgHost, q.pgPort)})`;

// ---------------------------------------------------------------------------------------------
// Probes: what answers on a port
// ---------------------------------------------------------------------------------------------

/** Encodes one command as a RESP array of bulk strings. */
function respCommand(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Parses one RESP reply from `buf` at `at`. Returns { value, next } or undefined when more bytes are
 * needed; throws on bytes that are not RESP (then the peer is not a Redis).
 */
function parseResp(buf, at) {
  if (at >= buf.length) return undefined;
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) {
    if (!'+-:$*_#,'.includes(String.fromCharCode(buf[at]))) throw new Error('not RESP');
    return undefined;
  }
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: { error: line }, next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const len = Number(line);
      if (!Number.isInteger(len)) throw new Error('not RESP');
      if (len < 0) return { value: null, next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), next: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (!Number.isInteger(count)) throw new Error('not RESP');
      const items = [];
      let pos = next;
      for (let i = 0; i < count; i += 1) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      throw new Error('not RESP');
  }
}

/**
 * Sends `commands` pipelined to host:port and collects one reply each.
 * Resolves { state: 'closed' } when nothing accepts the connection, { state: 'other', detail } when
 * something answers that does not speak RESP, { state: 'resp', replies } otherwise.
 */
function respExchange({ host, port, tls: useTls }, commands) {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let buf = Buffer.alloc(0);
    const replies = [];
    let pos = 0;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const onConnect = () => {
      connected = true;
      socket.write(commands.map(respCommand).join(''));
    };
    const socket = useTls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setTimeout(PROBE_TIMEOUT_MS, () =>
      finish(connected ? { state: 'other', detail: 'it accepts connections but gives no Redis reply' } : { state: 'closed' }),
    );
    socket.on('error', () => finish(connected ? { state: 'other', detail: 'it dropped the connection' } : { state: 'closed' }));
    socket.on('close', () => finish(connected ? { state: 'other', detail: 'it closed the connection without a Redis reply' } : { state: 'closed' }));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          const reply = parseResp(buf, pos);
          if (!reply) break;
          replies.push(reply.value);
          pos = reply.next;
          if (replies.length === commands.length) return finish({ state: 'resp', replies });
        }
      } catch {
        finish({ state: 'other', detail: 'it does not speak the Redis protocol' });
      }
    });
  });
}

/**
 * What answers on the Redis address. States: closed | redis | other | auth (a Redis that refused
 * our credentials) | dberror (SELECT refused).
 */
async function probeRedis(r) {
  const commands = [];
  if (r.password !== undefined) {
    commands.push(r.username && r.username !== 'default' ? ['AUTH', r.username, r.password] : ['AUTH', r.password]);
  }
  if (r.db !== 0) commands.push(['SELECT', String(r.db)]);
  commands.push(['PING'], ['INFO', 'server'], ['CONFIG', 'GET', 'appendonly'], ['CONFIG', 'GET', 'maxmemory-policy']);
  const result = await respExchange(r, commands);
  if (result.state !== 'resp') return result;
  const replies = [...result.replies];
  const errorOf = (v) => (v && typeof v === 'object' && 'error' in v ? v.error : undefined);
  if (r.password !== undefined) {
    const err = errorOf(replies.shift());
    if (err) return { state: 'auth', detail: err.split(' ')[0] };
  }
  if (r.db !== 0) {
    const err = errorOf(replies.shift());
    if (err && !/^NOAUTH/.test(err)) return { state: 'dberror', detail: err };
  }
  const [ping, info, aof, policy] = replies;
  const pingError = errorOf(ping);
  if (pingError) {
    if (/^NOAUTH/.test(pingError)) return { state: 'auth', detail: 'NOAUTH (it requires a password; put it in REDIS_URL)' };
    return { state: 'other', detail: `PING answered ${pingError.split('\r')[0]}` };
  }
  if (ping !== 'PONG') return { state: 'other', detail: 'PING did not answer PONG' };
  const field = (name) => (typeof info === 'string' ? (info.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1] ?? '').trim() : '');
  // CONFIG may be renamed or forbidden on a managed Redis: then we simply do not know.
  const configValue = (v) => (Array.isArray(v) && typeof v[1] === 'string' ? v[1] : undefined);
  return {
    state: 'redis',
    pid: Number(field('process_id')) || undefined,
    version: field('redis_version') || undefined,
    appendonly: configValue(aof),
    maxmemoryPolicy: configValue(policy),
  };
}

/**
 * What answers on QuestDB's HTTP address: closed | questdb (GET /ping -> 204) | other.
 * A server that accepted the connection but did not answer HTTP counts as other.
 */
function probeQuestdbHttp(q) {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(result);
    };
    const client = q.tls ? https : http;
    const req = client.get({ host: q.host, port: q.httpPort, path: '/ping', agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      finish(res.statusCode === 204 ? { state: 'questdb' } : { state: 'other', detail: `GET /ping answered HTTP ${res.statusCode}, not 204` });
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      socket.on('connect', () => {
        connected = true;
      });
      socket.on('secureConnect', () => {
        connected = true;
      });
    });
    req.on('timeout', () => finish(connected ? { state: 'other', detail: 'it accepts connections but gives no HTTP answer' } : { state: 'closed' }));
    req.on('error', (err) => {
      if (!connected) return finish({ state: 'closed' });
      finish({ state: 'other', detail: err.code === 'HPE_INVALID_CONSTANT' ? 'it does not speak HTTP' : 'it dropped the connection' });
    });
  });
}

/** True when something accepts TCP connections on host:port. */
function tcpOpen(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; `abort()` may throw to end early. */
async function waitFor(check, timeoutMs, abort = () => {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    abort();
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Files, processes, commands
// ---------------------------------------------------------------------------------------------

function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The command line of a live process, or undefined (Linux /proc first, `ps` elsewhere). */
function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : undefined;
  }
}

function tailOf(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

function lastLines(text, n = 10) {
  return String(text || '').trim().split('\n').slice(-n).join('\n');
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs Debian packages with apt-get as root. Keeps the package's own service from starting (a
 * second Redis on the default port would be a surprise) with a temporary policy-rc.d.
 */
function aptInstall(packages) {
  if (!isRoot() || !which('apt-get')) return false;
  note(`installing ${packages.join(', ')} with apt-get`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\n# written by cdn-etl scripts/services.mjs during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = run('apt-get', ['update', '-qq'], { env });
    if (update.status !== 0) throw new ServicesError(`apt-get update failed: ${lastLines(update.stderr, 1)}`);
    const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
    if (install.status !== 0) throw new ServicesError(`apt-get install ${packages.join(' ')} failed: ${lastLines(install.stderr, 1)}`);
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
  return true;
}

/** Serialises `up`/`down` per state dir: two at once would start two servers on one port. */
async function withLock(dir, fn) {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'services.lock');
  const deadline = Date.now() + QUESTDB_READY_TIMEOUT_MS + 60_000;
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = readPid(lock);
      if (holder === undefined || !isAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ServicesError(`another services command (pid ${holder}) holds ${lock}`);
      if (!waiting) note(`waiting for another services command (pid ${holder}) to finish`);
      waiting = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Redis, local
// ---------------------------------------------------------------------------------------------

const redisPaths = (s) => {
  const dir = path.join(s.servicesDir, 'redis');
  return { dir, conf: path.join(dir, 'redis.conf'), pid: path.join(dir, 'redis.pid'), log: path.join(dir, 'redis.log'), data: path.join(dir, 'data') };
};

/** redis.conf strings: double quotes with backslash escapes. */
const redisQuote = (v) => `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The pid of a Redis this state dir started and that still runs, else undefined. */
function ownRedisPid(s) {
  const p = redisPaths(s);
  const pid = readPid(p.pid);
  if (pid === undefined || !isAlive(pid)) return undefined;
  // redis-server rewrites its title to "redis-server host:port": check it is ours, not a reused pid.
  const cmd = commandLineOf(pid) || '';
  let port;
  try {
    port = fs.readFileSync(p.conf, 'utf8').match(/^port (\d+)$/m)?.[1];
  } catch {
    return undefined;
  }
  return cmd.includes('redis-server') && port && cmd.includes(`:${port}`) ? pid : undefined;
}

function redisServerBinary() {
  const found = which('redis-server');
  if (found) return found;
  if (aptInstall(['redis-server'])) {
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new ServicesError(
    'redis-server not found: install the Debian package redis-server (apt-get install redis-server) or point REDIS_URL at a running Redis',
  );
}

async function startRedisLocal(s) {
  const r = s.redis;
  if (r.tls) throw new ServicesError(`no Redis answers at ${redisAddress(r)} and services:up does not start TLS Redis servers: start one yourself`);
  if (!isLoopback(r.host)) throw new ServicesError(`no Redis answers at ${redisAddress(r)}; it is not on this machine, so services:up cannot start it`);
  const binary = redisServerBinary();
  const p = redisPaths(s);
  fs.mkdirSync(p.data, { recursive: true });
  const auth = [];
  if (r.password !== undefined) {
    auth.push(r.username && r.username !== 'default' ? `user ${r.username} on >${r.password} ~* &* +@all` : `requirepass ${redisQuote(r.password)}`);
  }
  const conf = [
    '# Written by scripts/services.mjs at each start; change the script or REDIS_URL, not this file.',
    `bind ${r.host === 'localhost' ? '127.0.0.1' : r.host}`,
    `port ${r.port}`,
    'daemonize yes',
    `pidfile ${redisQuote(p.pid)}`,
    `logfile ${redisQuote(p.log)}`,
    `dir ${redisQuote(p.data)}`,
    // BullMQ keeps queued work only in Redis: AOF so a restart loses nothing, noeviction so memory
    // pressure fails writes loudly instead of silently dropping jobs.
    'appendonly yes',
    'appendfsync everysec',
    'maxmemory-policy noeviction',
    ...auth,
    '',
  ].join('\n');
  fs.writeFileSync(p.conf, conf, { mode: 0o600 });
  fs.chmodSync(p.conf, 0o600);
  fs.rmSync(p.pid, { force: true });
  note(`starting redis-server on ${hostPort(r.host, r.port)}`);
  // With daemonize the parent exits at once; the daemon points its stdio at /dev/null.
  const started = run(binary, [p.conf], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  if (started.status !== 0) {
    throw new ServicesError(`redis-server did not start: ${lastLines(`${started.stderr}\n${started.stdout}`, 1) || `exit ${started.status}`} (log ${p.log})`);
  }
  const ready = await waitFor(async () => {
    const probe = await probeRedis(r);
    return probe.state === 'redis' ? probe : undefined;
  }, REDIS_READY_TIMEOUT_MS);
  if (!ready) {
    process.stderr.write(`--- last lines of ${p.log} ---\n${tailOf(p.log)}\n---\n`);
    throw new ServicesError(`redis-server on ${hostPort(r.host, r.port)} did not answer PING within ${REDIS_READY_TIMEOUT_MS / 1000} s (log ${p.log})`);
  }
  return { status: 'started', pid: readPid(p.pid) ?? ready.pid, log: p.log };
}

// ---------------------------------------------------------------------------------------------
// QuestDB, local
// ---------------------------------------------------------------------------------------------

const questdbPaths = (s) => {
  const root = path.join(s.servicesDir, 'questdb');
  return { root, conf: path.join(root, 'conf', 'server.conf'), pid: path.join(root, 'questdb.pid'), log: path.join(root, 'questdb.log'), tmp: path.join(root, 'tmp') };
};

/** The pid of a QuestDB this state dir started and that still runs, else undefined. */
function ownQuestdbPid(s) {
  const p = questdbPaths(s);
  const pid = readPid(p.pid);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const cmd = commandLineOf(pid) || '';
  return cmd.includes('io.questdb') && cmd.includes(p.root) ? pid : undefined;
}

function javaBinary(s) {
  const fromHome = s.javaHome ? path.join(s.javaHome, 'bin', 'java') : undefined;
  const java = fromHome && fs.existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new ServicesError(
      `java not found: QuestDB ${QUESTDB_VERSION} needs Java ${QUESTDB_MIN_JAVA} or later; install the Debian package default-jre-headless (or openjdk-17-jre-headless)`,
    );
  }
  const version = run(java, ['-version']);
  const match = `${version.stderr}${version.stdout}`.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= QUESTDB_MIN_JAVA)) {
    throw new ServicesError(`${java} is Java ${Number.isNaN(major) ? '(unknown version)' : major}; QuestDB ${QUESTDB_VERSION} needs Java ${QUESTDB_MIN_JAVA} or later (Debian package openjdk-17-jre-headless)`);
  }
  return java;
}

/**
 * Checks that `file` is a whole jar that holds QuestDB's server: ZIP local-header magic, an end of
 * central directory record, and io/questdb/ServerMain.class listed in the central directory.
 */
function isQuestdbJar(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size < 1024 * 1024) return false;
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    if (head.readUInt32LE(0) !== 0x04034b50) return false;
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    fs.readSync(fd, tail, 0, tailLength, size - tailLength);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0 || eocd + 22 > tailLength) return false;
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset + cdSize > size || cdSize > 64 * 1024 * 1024) return false;
    const cd = Buffer.alloc(cdSize);
    fs.readSync(fd, cd, 0, cdSize, cdOffset);
    return cd.includes('io/questdb/ServerMain.class');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The QuestDB jar from the cache, fetched from Maven Central with mvn when absent or damaged. */
function questdbJar(s) {
  const jar = path.join(s.cacheDir, `questdb-${QUESTDB_VERSION}.jar`);
  if (isQuestdbJar(jar)) return jar;
  const mvn = which('mvn');
  if (!mvn) {
    throw new ServicesError(`mvn not found: it fetches QuestDB ${QUESTDB_VERSION} from Maven Central; install the Debian package maven`);
  }
  fs.mkdirSync(s.cacheDir, { recursive: true });
  // Fetch into a private directory and rename, so a half-written jar never sits under the final name.
  const staging = fs.mkdtempSync(path.join(s.cacheDir, '.fetch-'));
  try {
    note(`fetching org.questdb:questdb:${QUESTDB_VERSION} with mvn into ${s.cacheDir}`);
    const fetched = run(
      mvn,
      ['-B', '-q', 'dependency:copy', `-Dartifact=org.questdb:questdb:${QUESTDB_VERSION}`, `-DoutputDirectory=${staging}`],
      { cwd: staging, timeout: 600_000 },
    );
    const staged = path.join(staging, `questdb-${QUESTDB_VERSION}.jar`);
    if (fetched.status !== 0 || !fs.existsSync(staged)) {
      const why = lastLines(`${fetched.stdout}\n${fetched.stderr}`.replace(/\x1b\[[0-9;]*m/g, ''), 1) || `exit ${fetched.status}`;
      throw new ServicesError(`mvn could not fetch org.questdb:questdb:${QUESTDB_VERSION}: ${why}`);
    }
    if (!isQuestdbJar(staged)) throw new ServicesError(`mvn fetched ${staged} but it is not a complete QuestDB jar`);
    fs.renameSync(staged, jar);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return jar;
}

/** server.conf: our ports only; ILP/TCP, UDP and the min-HTTP health server are off so that copies on other ports never collide. */
function questdbServerConf(q, bindHost) {
  const lines = [
    '# Written by scripts/services.mjs at each start; change the script or QUESTDB_HTTP/QUESTDB_PG, not this file.',
    `http.bind.to=${bindHost}:${q.httpPort}`,
    `pg.net.bind.to=${bindHost}:${q.pgPort}`,
    // cdn-etl writes ILP over HTTP; the TCP and UDP listeners would only take fixed ports.
    'line.tcp.enabled=false',
    'line.udp.enabled=false',
    'http.min.enabled=false',
    'telemetry.enabled=false',
  ];
  if (q.pgUser !== 'admin' || q.pgPassword !== 'quest') lines.push(`pg.user=${q.pgUser}`, `pg.password=${q.pgPassword}`);
  return `${lines.join('\n')}\n`;
}

async function startQuestdbLocal(s) {
  const q = s.questdb;
  const where = `${hostPort(q.host, q.httpPort)}`;
  if (q.tls) throw new ServicesError(`no QuestDB answers at ${where} and services:up does not start QuestDB with TLS: start one yourself`);
  const bindHost = ipv4BindAddress(q.host);
  if (!bindHost) throw new ServicesError(`no QuestDB answers at ${where}; it is not a loopback IPv4 address on this machine, so services:up cannot start it`);
  if (!isLoopback(q.pgHost)) throw new ServicesError(`QUESTDB_PG names ${q.pgHost}, not this machine; a started QuestDB would listen on ${bindHost}`);
  if (await tcpOpen(q.pgHost, q.pgPort)) {
    throw new ServicesError(`port ${hostPort(q.pgHost, q.pgPort)} (QUESTDB_PG) is taken by another program; stop it or choose another port in QUESTDB_PG`);
  }
  const java = javaBinary(s);
  const jar = questdbJar(s);
  const p = questdbPaths(s);
  fs.mkdirSync(path.dirname(p.conf), { recursive: true });
  fs.mkdirSync(p.tmp, { recursive: true });
  fs.writeFileSync(p.conf, questdbServerConf(q, bindHost), { mode: 0o600 });
  fs.chmodSync(p.conf, 0o600);
  // QDB_* variables would override server.conf and could move QuestDB off the ports we promise.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QDB_')));
  const args = [
    QUESTDB_HEAP,
    // The jar unpacks its native libraries into java.io.tmpdir: keep them with this instance.
    `-Djava.io.tmpdir=${p.tmp}`,
    '-p', jar,
    '-m', 'io.questdb/io.questdb.ServerMain',
    '-d', p.root,
  ];
  note(`starting QuestDB ${QUESTDB_VERSION} on ${where} (pg ${q.pgPort}), log ${p.log}`);
  const logFd = fs.openSync(p.log, 'a');
  let child;
  try {
    // Fully detached: own session, stdio on the log file, so a caller capturing our output sees us end.
    child = spawn(java, args, { cwd: p.root, env, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    fs.closeSync(logFd);
  }
  let exited;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    exited = err.message;
  });
  child.unref();
  if (child.pid) fs.writeFileSync(p.pid, `${child.pid}\n`);
  const ready = await waitFor(
    async () => (await probeQuestdbHttp(q)).state === 'questdb' && (await tcpOpen(q.pgHost, q.pgPort)),
    QUESTDB_READY_TIMEOUT_MS,
    () => {
      if (exited) {
        process.stderr.write(`--- last lines of ${p.log} ---\n${tailOf(p.log)}\n---\n`);
        fs.rmSync(p.pid, { force: true });
        throw new ServicesError(`QuestDB stopped during start (${exited}); see ${p.log}`);
      }
    },
  );
  if (!ready) {
    process.stderr.write(`--- last lines of ${p.log} ---\n${tailOf(p.log)}\n---\n`);
    if (child.pid) await stopPid(child.pid, STOP_TIMEOUT_MS.questdb);
    fs.rmSync(p.pid, { force: true });
    throw new ServicesError(`QuestDB on ${where} was not ready within ${QUESTDB_READY_TIMEOUT_MS / 1000} s and was stopped; see ${p.log}`);
  }
  return { status: 'started', pid: child.pid, log: p.log };
}

// ---------------------------------------------------------------------------------------------
// Docker Compose
// ---------------------------------------------------------------------------------------------

const dockerMarker = (s) => path.join(s.servicesDir, 'docker-compose.json');

function dockerEngineAnswers() {
  if (!which('docker')) return false;
  return run('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

/** `docker compose` (v2 plugin) or the standalone `docker-compose`, as [command, ...leadingArgs]. */
function composeCommand() {
  if (which('docker') && run('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 15_000 }).status === 0) return ['docker', 'compose'];
  if (which('docker-compose') && run('docker-compose', ['version'], { stdio: 'ignore', timeout: 15_000 }).status === 0) return ['docker-compose'];
  return undefined;
}

function composeEnv(s) {
  return {
    ...process.env,
    CDN_ETL_REDIS_PORT: String(s.redis.port),
    CDN_ETL_QUESTDB_HTTP_PORT: String(s.questdb.httpPort),
    CDN_ETL_QUESTDB_PG_PORT: String(s.questdb.pgPort),
  };
}

async function startWithCompose(s, compose, services) {
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

function readDockerMarker(s) {
  try {
    return JSON.parse(fs.readFileSync(dockerMarker(s), 'utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

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

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. Returns how it ended. */
async function stopPid(pid, timeoutMs) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  if (await waitFor(async () => !isAlive(pid), timeoutMs)) return 'stopped';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  await waitFor(async () => !isAlive(pid), 5_000);
  return 'killed';
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
