/**
 * Probes: what answers on a port (Redis asked with ioredis, QuestDB with GET /ping, PG wire with a TCP connect).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { PROBE_TIMEOUT_MS, ServicesError } from './settings.mjs';

/**
 * What answers on the Redis address, asked with ioredis (the client cdn-etl itself uses). States: closed | redis |
 * other | auth (a Redis that refused our credentials) | dberror (SELECT refused). AUTH and SELECT are sent as plain
 * commands rather than connection options, so their refusals can be told apart from "not a Redis".
 */
export async function probeRedis(r) {
  const { Redis } = await loadIoredis();
  const client = new Redis({
    host: r.host,
    port: r.port,
    ...(r.tls ? { tls: { servername: net.isIP(r.host) ? undefined : r.host } } : {}),
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
  });
  let connected = false;
  let notRedis = false;
  client.on('connect', () => {
    connected = true;
  });
  client.on('error', (err) => {
    // ioredis' parser refuses bytes that are not RESP: the peer is another program.
    if (err && err.name === 'ParserError') notRedis = true;
  });
  const other = (detail) => ({ state: 'other', detail: notRedis ? 'it does not speak the Redis protocol' : detail });
  try {
    try {
      await client.connect();
    } catch {
      return connected ? other('it closed the connection without a Redis reply') : { state: 'closed' };
    }
    const batch = client.pipeline();
    if (r.password !== undefined) {
      if (r.username && r.username !== 'default') batch.call('AUTH', r.username, r.password);
      else batch.call('AUTH', r.password);
    }
    if (r.db !== 0) batch.call('SELECT', String(r.db));
    batch.call('PING').call('INFO', 'server').call('CONFIG', 'GET', 'appendonly').call('CONFIG', 'GET', 'maxmemory-policy');
    const replies = (await batch.exec()) ?? [];
    if (notRedis) return other('');
    const failed = (reply) => Boolean(reply && reply[0]);
    // A reply error from the server is a ReplyError; anything else means no reply came at all.
    const replyError = (reply) => (failed(reply) && reply[0].name === 'ReplyError' ? String(reply[0].message) : undefined);
    if (replies.length > 0 && replies.every((reply) => failed(reply) && reply[0].name !== 'ReplyError')) {
      return other(replies.some((reply) => /timed out/i.test(reply[0].message)) ? 'it accepts connections but gives no Redis reply' : 'it dropped the connection');
    }
    if (r.password !== undefined) {
      const err = replyError(replies.shift());
      if (err) return { state: 'auth', detail: err.split(' ')[0] };
    }
    if (r.db !== 0) {
      const err = replyError(replies.shift());
      if (err && !/^NOAUTH/.test(err)) return { state: 'dberror', detail: err };
    }
    const [ping, info, aof, policy] = replies;
    const pingError = replyError(ping);
    if (pingError) {
      if (/^NOAUTH/.test(pingError)) return { state: 'auth', detail: 'NOAUTH (it requires a password; put it in REDIS_URL)' };
      return { state: 'other', detail: `PING answered ${pingError.split('\r')[0]}` };
    }
    if (!ping || ping[1] !== 'PONG') return { state: 'other', detail: 'PING did not answer PONG' };
    const infoText = info && !failed(info) ? info[1] : undefined;
    const field = (name) => (typeof infoText === 'string' ? (infoText.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1] ?? '').trim() : '');
    // CONFIG may be renamed or forbidden on a managed Redis: then we simply do not know.
    const configValue = (reply) => (reply && !failed(reply) && Array.isArray(reply[1]) && typeof reply[1][1] === 'string' ? reply[1][1] : undefined);
    return {
      state: 'redis',
      pid: Number(field('process_id')) || undefined,
      version: field('redis_version') || undefined,
      appendonly: configValue(aof),
      maxmemoryPolicy: configValue(policy),
    };
  } finally {
    client.disconnect();
  }
}

/** ioredis from the project's node_modules (installed by `npm ci`, which CI and `npm test` run first). */
export async function loadIoredis() {
  try {
    return await import('ioredis');
  } catch {
    throw new ServicesError('ioredis is not installed: run `npm ci` first');
  }
}

/**
 * What answers on QuestDB's HTTP address: closed | questdb (GET /ping -> 204) | other.
 * A server that accepted the connection but did not answer HTTP counts as other.
 */
export function probeQuestdbHttp(q) {
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
    const auth = q.httpUser ? `${q.httpUser}:${q.httpPassword}` : undefined;
    const req = client.get({ host: q.host, port: q.httpPort, path: '/ping', agent: false, timeout: PROBE_TIMEOUT_MS, ...(auth ? { auth } : {}) }, (res) => {
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
export function tcpOpen(host, port) {
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
