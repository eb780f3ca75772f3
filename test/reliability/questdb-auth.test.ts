/**
 * Issue 15, finding 4: a private QuestDB started by services:up with HTTP basic auth (QUESTDB_USER/PASSWORD ->
 * http.user/http.password). Writes (ILP over HTTP) and reads (REST) work with the credentials and are refused
 * without them; the CLI takes them from the environment and never prints them. Then the same through a local
 * TLS proxy (node:tls) whose certificate a private CA made here (openssl) signed: QUESTDB_TLS_CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/core/errors.js';
import { questDbEndpoint } from '../../src/store/questdb-access.js';
import { execSql } from '../../src/store/questdb-http.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { pollUntil } from '../helpers/ops-fixture.js';
import { freePort, jsonLines, killHard, reliabilityPrefix, runCliProcess, SHARED_REDIS_URL, spawnCli, startPrivateServices, tag, type PrivateServices } from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';

const USER = 'etl';
const PASSWORD = `QdbPw-${tag()}-Xx9`;

/** A private CA and a certificate for 127.0.0.1 signed by it, made with openssl. */
function makeCa(dir: string): { caFile: string; key: string; cert: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cdn-etl test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { caFile: path.join(dir, 'ca.pem'), key: execFileSync('cat', [path.join(dir, 'srv.key')]).toString(), cert: execFileSync('cat', [path.join(dir, 'srv.pem')]).toString() };
}

describe('QuestDB with basic auth, and through a TLS proxy (issue 15, finding 4)', () => {
  let qdb: PrivateServices;
  let dir: string;
  let proxy: TlsServer;
  let tlsOrigin: string;
  let caFile: string;

  beforeAll(async () => {
    requireBuild();
    qdb = await startPrivateServices({ questdb: true, questdbAuth: { user: USER, password: PASSWORD } });
    dir = mkdtempSync(path.join(tmpdir(), 'cdn-etl-tls-'));
    const ca = makeCa(dir);
    caFile = ca.caFile;
    const target = new URL(qdb.questdbHttp);
    proxy = createTlsServer({ key: ca.key, cert: ca.cert }, (socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      const end = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end);
      upstream.on('error', end);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    tlsOrigin = `https://127.0.0.1:${port}`;
  }, 240_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await qdb?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes and reads with the credentials, and is refused without them', async () => {
    const loader = await TrafficLoader.create({ questdbHttp: qdb.questdb, batchRows: 10 });
    try {
      await loader.load([{ domain: 'auth.example', intervalS: 60, ts: Date.UTC(2026, 0, 1, 0, 0), value: 7 }], { fetchedAt: Date.UTC(2026, 0, 1, 1, 0) });
    } finally {
      await loader.close();
    }
    await waitUntilVisible(qdb.questdb, 'cdn_src_traffic');
    const read = await execSql(qdb.questdb, "SELECT count() FROM cdn_src_traffic WHERE domain = 'auth.example'");
    expect(read.dataset).toEqual([[1]]);

    // The same origin without credentials: an endpoint with no access, and a bare origin.
    for (const without of [questDbEndpoint(qdb.questdbHttp), qdb.questdbHttp]) {
      const refused = await execSql(without, 'SELECT 1').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ServiceUnavailableError);
      expect((refused as Error).message).toBe(`QuestDB at ${qdb.questdbHttp} refused the credentials (HTTP 401): set QUESTDB_USER and QUESTDB_PASSWORD, or QUESTDB_TOKEN`);
    }
    const unauthorised = await TrafficLoader.create({ questdbHttp: qdb.questdbHttp, batchRows: 10, retries: 'caller' });
    try {
      await expect(unauthorised.load([{ domain: 'auth.example', intervalS: 60, ts: Date.UTC(2026, 0, 1, 0, 1), value: 8 }])).rejects.toMatchObject({
        code: 'CDN_ETL_LOAD_FAILED',
        message: expect.stringContaining('refused the credentials (HTTP 401)'),
      });
    } finally {
      await unauthorised.close();
    }
  });

  it('the CLI takes them from the environment and never prints them', async () => {
    const base = { QUESTDB_HTTP: qdb.questdbHttp, QUESTDB_PG: qdb.questdbPg, LOG_LEVEL: 'trace' };
    const ok = await runCliProcess(['migrate'], { ...base, QUESTDB_USER: USER, QUESTDB_PASSWORD: PASSWORD });
    expect(ok.code, ok.stderr).toBe(0);
    const no = await runCliProcess(['migrate'], base);
    expect(no.code).toBe(3);
    expect(no.stderr).toContain(`QuestDB at ${qdb.questdbHttp} refused the credentials (HTTP 401)`);
    const wrong = await runCliProcess(['migrate'], { ...base, QUESTDB_USER: USER, QUESTDB_PASSWORD: `${PASSWORD}-wrong` });
    expect(wrong.code).toBe(3);
    for (const r of [ok, no, wrong]) expect(`${r.stdout}${r.stderr}`.includes(PASSWORD)).toBe(false);
  }, 120_000);

  it('the ops server /healthz pings QuestDB with the credentials: 200 with them, 503 naming QuestDB without them', async () => {
    // QuestDB open source answers /ping without credentials; a gateway in front of it (or QuestDB Enterprise) may
    // not. This proxy stands for such a gateway: /ping without the right Authorization header gets 401, and every
    // Authorization it saw on /ping is recorded, so the test proves /healthz sends the credentials.
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const seenOnPing: Array<string | undefined> = [];
    const target = new URL(qdb.questdbHttp);
    const gateway = createHttpServer((req, res) => {
      if (req.url?.startsWith('/ping')) {
        seenOnPing.push(req.headers.authorization);
        if (req.headers.authorization !== expected) {
          res.writeHead(401).end();
          return;
        }
      }
      const upstream = httpRequest({ host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const gatewayPort = await freePort();
    await new Promise<void>((resolve) => gateway.listen(gatewayPort, '127.0.0.1', resolve));
    const healthz = async (env: Record<string, string>): Promise<{ status: number; body: string }> => {
      const worker = spawnCli(['worker', '--http-port', String(await freePort()), '--drain-timeout', '5'], {
        ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
        // No job is queued on this prefix: the worker never calls the API.
        CDN_ENDPOINT: 'http://127.0.0.1:9',
        CDN_ETL_REDIS_PREFIX: reliabilityPrefix(),
        REDIS_URL: SHARED_REDIS_URL,
        QUESTDB_HTTP: `http://127.0.0.1:${gatewayPort}`,
        QUESTDB_PG: qdb.questdbPg,
        LOG_LEVEL: 'info',
        ...env,
      });
      try {
        const url = await pollUntil(
          async () => jsonLines(worker.err()).find((l) => l.msg === 'worker started')?.http as string | undefined,
          (u) => u !== undefined || worker.exitCode !== null,
          60_000,
        );
        expect(url, worker.err()).toBeDefined();
        const res = await fetch(`${url!}/healthz`);
        return { status: res.status, body: await res.text() };
      } finally {
        worker.kill('SIGTERM');
        const code = await Promise.race([worker.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
        await killHard(worker);
        expect(code, worker.err()).toBe(0);
        expect(`${worker.out()}${worker.err()}`.includes(PASSWORD)).toBe(false);
      }
    };
    try {
      const ok = await healthz({ QUESTDB_USER: USER, QUESTDB_PASSWORD: PASSWORD });
      expect(ok.status, ok.body).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ status: 'ok', services: { redis: { ok: true }, questdb: { ok: true } } });
      expect(seenOnPing.length).toBeGreaterThan(0);
      expect(seenOnPing.every((h) => h === expected)).toBe(true);

      seenOnPing.length = 0;
      const refused = await healthz({});
      expect(refused.status, refused.body).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({
        services: { redis: { ok: true }, questdb: { ok: false, reason: `QuestDB at 127.0.0.1:${gatewayPort} does not answer: HTTP 401` } },
      });
      expect(seenOnPing.every((h) => h === undefined)).toBe(true);
      for (const body of [ok.body, refused.body]) expect(body.includes(PASSWORD)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  }, 180_000);

  it('reaches QuestDB through a TLS proxy trusting QUESTDB_TLS_CA, and refuses the proxy without it', async () => {
    const trusted = questDbEndpoint(tlsOrigin, { auth: { kind: 'basic', user: USER, password: PASSWORD }, tlsCa: caFile });
    const loader = await TrafficLoader.create({ questdbHttp: trusted, batchRows: 10 });
    try {
      await loader.load([{ domain: 'tls.example', intervalS: 60, ts: Date.UTC(2026, 0, 1, 0, 0), value: 9 }], { fetchedAt: Date.UTC(2026, 0, 1, 1, 0) });
    } finally {
      await loader.close();
    }
    await waitUntilVisible(trusted, 'cdn_src_traffic');
    expect((await execSql(trusted, "SELECT count() FROM cdn_src_traffic WHERE domain = 'tls.example'")).dataset).toEqual([[1]]);

    const untrusted = await execSql(questDbEndpoint(tlsOrigin, { auth: { kind: 'basic', user: USER, password: PASSWORD } }), 'SELECT 1', { timeoutMs: 10_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(untrusted).toBeInstanceOf(ServiceUnavailableError);
    expect((untrusted as Error).message).toBe(`QuestDB does not answer at ${tlsOrigin} (UNABLE_TO_VERIFY_LEAF_SIGNATURE); start it (npm run services:up) or set QUESTDB_HTTP`);

    const cli = await runCliProcess(['migrate'], { QUESTDB_HTTP: tlsOrigin, QUESTDB_PG: qdb.questdbPg, QUESTDB_USER: USER, QUESTDB_PASSWORD: PASSWORD, QUESTDB_TLS_CA: caFile });
    expect(cli.code, cli.stderr).toBe(0);
  }, 120_000);
});
