/**
 * scripts/services.mjs against real servers: reuse, refusal of foreign programs on our ports, and a
 * full start / second start / stop cycle of a private Redis and QuestDB on free ports and a private
 * state directory (so it never touches the services the rest of the suite uses).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/services.mjs');
const config = loadConfig(process.env);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the script with pipes on stdout and stderr. It resolves only when those pipes close, so a
 * server that kept them open would turn into a timeout here.
 */
function services(command: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, command],
      { env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...env }, timeout: 170_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const sharedEnv = {
  REDIS_URL: config.redisUrl,
  QUESTDB_HTTP: config.questdbHttp,
  QUESTDB_PG: config.questdbPg,
};

describe('services.mjs against foreign programs', () => {
  let foreign: http.Server;
  let foreignPort: number;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-etl-services-'));
    foreign = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('not questdb');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignPort = (foreign.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => foreign.close(() => resolve()));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('reuses the Redis and QuestDB the suite runs against and says so', async () => {
    const run = await services('up', { ...sharedEnv, CDN_ETL_SERVICES_DIR: stateDir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^redis {4}reused {3}redis:\/\/\S+ {2}pid (\d+|-) {2}log -$/);
    expect(lines[1]).toMatch(/^questdb {2}reused {3}http:\/\/\S+ \(pg \S+\) {2}pid - {2}log -$/);
  });

  it('refuses a QUESTDB_HTTP port held by a program that is not QuestDB, naming the port', async () => {
    const run = await services('up', {
      ...sharedEnv,
      QUESTDB_HTTP: `http://127.0.0.1:${foreignPort}`,
      CDN_ETL_SERVICES_DIR: stateDir,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `services up: port 127.0.0.1:${foreignPort} (QUESTDB_HTTP) answers but is not QuestDB (GET /ping answered HTTP 200, not 204); ` +
        'stop that program or choose another port in QUESTDB_HTTP\n',
    );
  });

  it('refuses a REDIS_URL port held by a program that is not Redis, naming the port', async () => {
    const run = await services('up', {
      ...sharedEnv,
      REDIS_URL: `redis://127.0.0.1:${foreignPort}`,
      CDN_ETL_SERVICES_DIR: stateDir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `services up: port 127.0.0.1:${foreignPort} (REDIS_URL) is taken by a program that is not Redis ` +
        '(it does not speak the Redis protocol); stop it or choose another port in REDIS_URL\n',
    );
  });

  it('refuses a malformed REDIS_URL with exit code 2 before probing anything', async () => {
    const run = await services('up', { ...sharedEnv, REDIS_URL: 'http://127.0.0.1:6379', CDN_ETL_SERVICES_DIR: stateDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('services up: REDIS_URL must be a redis:// or rediss:// URL\n');
  });

  it('stops nothing when this state directory started nothing', async () => {
    const run = await services('down', { ...sharedEnv, CDN_ETL_SERVICES_DIR: stateDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('nothing to stop: services:up started nothing from this state directory\n');
  });
});

describe('services.mjs start and stop cycle', () => {
  let stateDir: string;
  let env: Record<string, string>;
  let ports: { redis: number; http: number; pg: number };

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-etl-services-'));
    ports = { redis: await freePort(), http: await freePort(), pg: await freePort() };
    env = {
      REDIS_URL: `redis://127.0.0.1:${ports.redis}/4`,
      QUESTDB_HTTP: `http://127.0.0.1:${ports.http}`,
      QUESTDB_PG: `postgres://admin:quest@127.0.0.1:${ports.pg}/qdb`,
      CDN_ETL_SERVICES_DIR: stateDir,
      CDN_ETL_SERVICES_MODE: 'local',
      ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
    };
  });

  afterAll(async () => {
    // Whatever happened above, leave nothing running on the private ports.
    await services('down', env);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('starts both, finds them running on a second run, and stops exactly those', { timeout: 300_000 }, async () => {
    const first = await services('up', env);
    expect(first.stderr).not.toMatch(/services up:/);
    expect(first.code).toBe(0);
    const [redisLine, questdbLine] = first.stdout.trimEnd().split('\n');
    const redisMatch = redisLine!.match(/^redis {4}started  redis:\/\/127\.0\.0\.1:(\d+)\/4  pid (\d+)  log (.+)$/);
    const questdbMatch = questdbLine!.match(/^questdb {2}started  http:\/\/127\.0\.0\.1:(\d+) \(pg 127\.0\.0\.1:(\d+)\)  pid (\d+)  log (.+)$/);
    expect(redisMatch?.slice(1)).toEqual([String(ports.redis), expect.any(String), path.join(stateDir, 'redis', 'redis.log')]);
    expect(questdbMatch?.slice(1)).toEqual([String(ports.http), String(ports.pg), expect.any(String), path.join(stateDir, 'questdb', 'questdb.log')]);
    const redisPid = Number(redisMatch![2]);
    const questdbPid = Number(questdbMatch![3]);

    const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      redis.disconnect();
    }
    const res = await fetch(`${env.QUESTDB_HTTP}/exec?query=${encodeURIComponent('SELECT 41 + 1 AS answer')}`);
    expect(((await res.json()) as { dataset: unknown[][] }).dataset).toEqual([[42]]);
    expect(fs.readFileSync(path.join(stateDir, 'questdb', 'conf', 'server.conf'), 'utf8')).toContain('telemetry.enabled=false');

    const second = await services('up', env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      `redis    running  redis://127.0.0.1:${ports.redis}/4  pid ${redisPid}  log ${path.join(stateDir, 'redis', 'redis.log')}\n` +
        `questdb  running  http://127.0.0.1:${ports.http} (pg 127.0.0.1:${ports.pg})  pid ${questdbPid}  log ${path.join(stateDir, 'questdb', 'questdb.log')}\n`,
    );

    const down = await services('down', env);
    expect(down.code).toBe(0);
    expect(down.stdout).toBe(`redis    stopped  pid ${redisPid}\nquestdb  stopped  pid ${questdbPid}\n`);
    expect(await listening(ports.redis)).toBe(false);
    expect(await listening(ports.http)).toBe(false);
    expect(await listening(ports.pg)).toBe(false);
  });
});
