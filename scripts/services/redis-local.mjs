/**
 * Redis from a local redis-server binary (installed with apt-get when missing and root).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REDIS_READY_TIMEOUT_MS, ServicesError, hostPort, isLoopback, note, redisAddress } from './settings.mjs';
import { probeRedis } from './probes.mjs';
import { aptInstall, commandLineOf, isAlive, lastLines, readPid, run, tailOf, waitFor, which } from './processes.mjs';

export const redisPaths = (s) => {
  const dir = path.join(s.servicesDir, 'redis');
  return { dir, conf: path.join(dir, 'redis.conf'), pid: path.join(dir, 'redis.pid'), log: path.join(dir, 'redis.log'), data: path.join(dir, 'data') };
};

/** redis.conf strings: double quotes with backslash escapes. */
export const redisQuote = (v) => `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The pid of a Redis this state dir started and that still runs, else undefined. */
export function ownRedisPid(s) {
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

export function redisServerBinary() {
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

export async function startRedisLocal(s) {
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
