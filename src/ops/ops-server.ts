/**
 * The HTTP side of a long-running cdn-etl process (`worker`, `sync`): `/metrics` (Prometheus), `/healthz`
 * (200 only when Redis and QuestDB answer, 503 with the reason otherwise) and the bull-board queue dashboard at
 * `/queues` (read-only unless `queueActions`; basic auth when config.dashboardAuth is set).
 *
 * It owns one fail-fast Redis connection of its own (PING for /healthz, queue depths and chunk states on scrape,
 * the dashboard), so a Redis outage shows as 503 at once instead of hanging a probe, and it starts even while
 * Redis is down. Bound to 127.0.0.1 unless a host is given.
 */
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createServer, type Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis } from 'ioredis';
import { isLoopbackHost, type Config } from '../core/config.js';
import { hostPortOf } from '../core/redact-url.js';
import { InvalidArgumentError, ServiceUnavailableError } from '../core/errors.js';
import { CHUNK_STATES } from '../core/chunk-outcome.js';
import { BackfillStore } from '../pipeline/backfill-store.js';
import { FETCH_QUEUE, LOAD_QUEUE } from '../pipeline/pipeline-keys.js';
import { basicAuth, LoginThrottle, metricsAuth } from './basic-auth.js';
import { createHealthCheck, DEFAULT_HEALTH_TIMEOUT_MS, healthReasons, type HealthReport } from './health.js';
import type { QuestDbHttp } from '../store/questdb-access.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { CdnEtlMetrics, QUEUE_STATES, sumRunningChunkStates, type MetricsSources, type QueueState } from './metrics.js';

export const DEFAULT_HTTP_PORT = 9464;
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const QUEUES_PATH = '/queues';
/** Backfills read per scrape for the chunk-state gauge (newest first; older ones have long ended). */
const SCRAPED_BACKFILLS = 200;

export interface OpsServerOptions {
  readonly config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'questdbHttp' | 'dashboardAuth' | 'metricsAuth' | 'httpHosts'>;
  /** TCP port; 0 = any free port (tests). The CLI maps `--http-port 0` to "no server" before calling this. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The process's metrics (fed by its workers and API client); default a fresh CdnEtlMetrics. */
  readonly metrics?: CdnEtlMetrics;
  /** Queues shown on the dashboard and measured on scrape; default the pipeline's `fetch` and `load`. */
  readonly queueNames?: readonly string[];
  /** Allow the dashboard's actions (retry, clean, pause, add, ...); default false: read-only. */
  readonly queueActions?: boolean;
  /** Each domain's watermark (epoch ms), for the freshness-lag gauge (sync provides it). */
  readonly watermarks?: MetricsSources['watermarks'];
  /**
   * QuestDB's HTTP side for /healthz, with its credentials and CA (app-runtime.ts questDbEndpointOf). Default
   * `config.questdbHttp` as a bare origin: a QuestDB without credentials.
   */
  readonly questdb?: QuestDbHttp;
  /** Per-service timeout of the health probes, ms (default 1000). */
  readonly healthTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RunningOpsServer {
  /** `http://host:port` (an IPv6 host in brackets). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly metrics: CdnEtlMetrics;
  /** Runs the health probes now (what /healthz answers). */
  health(): Promise<HealthReport>;
  /** Stops listening, cuts idle keep-alive connections, closes the queues and the Redis connection. */
  close(): Promise<void>;
}

/**
 * Starts the ops HTTP server. Throws InvalidArgumentError('--http-port') when the port is taken or not allowed,
 * and InvalidArgumentError('--queues-actions' or '--http-host') when the dashboard would allow actions or be
 * reachable from the network without basic auth, before anything else is started.
 *
 * Every request must name, in its Host header, the bound address (any address of this machine for 0.0.0.0 or
 * ::, and localhost for a loopback one) or a name of config.httpHosts: a DNS-rebinding page gets 421. A request
 * other than GET, HEAD or OPTIONS also needs an Origin of that same host (403 otherwise): no cross-site form.
 *
 * @example
 * const ops = await startOpsServer({ config, port: 9464, metrics, logger });
 * // ... on SIGTERM, after the workers drained:
 * await ops.close();
 */
export async function startOpsServer(options: OpsServerOptions): Promise<RunningOpsServer> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const metrics = options.metrics ?? new CdnEtlMetrics();
  const queueActions = options.queueActions === true;
  const auth = options.config.dashboardAuth;
  const { redisUrl, redisPrefix, questdbHttp } = options.config;
  if (!auth && (queueActions || !isLoopbackHost(host))) {
    throw new InvalidArgumentError(
      `${queueActions ? 'the dashboard\'s actions need' : `a dashboard reachable from the network (${host}) needs`} basic auth: set CDN_ETL_DASHBOARD_USER and CDN_ETL_DASHBOARD_PASSWORD`,
      queueActions ? '--queues-actions' : '--http-host',
    );
  }
  const throttle = new LoginThrottle();
  const hosts = allowedHosts(host, options.config.httpHosts);

  const app = express();
  app.disable('x-powered-by');
  app.use(checkHost(hosts));
  if (options.config.metricsAuth) app.use('/metrics', metricsAuth(options.config.metricsAuth, throttle));
  const server = createServer(app);
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;

  // Fail fast, reconnect forever: probes must answer "down" at once during an outage, and recover after it.
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    connectionName: 'cdn-etl-ops',
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', () => undefined);
  const queues = (options.queueNames ?? [FETCH_QUEUE, LOAD_QUEUE]).map((name) => {
    const queue = new Queue(name, { connection: redis, prefix: redisPrefix });
    queue.on('error', (err) => logger.debug({ queue: name, err: err.message }, 'dashboard queue error'));
    return queue;
  });
  const store = new BackfillStore(redis, redisPrefix);
  const healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const health = createHealthCheck({ redis: { ping: () => pingWhenReady(redis, healthTimeoutMs * 0.9) }, redisLabel: hostPortOf(redisUrl, 6379), questdbHttp: options.questdb ?? questdbHttp, timeoutMs: healthTimeoutMs });

  const detachSources = metrics.useSources({
    queueCounts: async () => {
      const out: Record<string, Partial<Record<QueueState, number>>> = {};
      for (const q of queues) {
        // Every fetch job has a priority (pipeline-jobs.ts PRIORITY): BullMQ keeps those apart from `wait`.
        const { prioritized = 0, ...counts } = await q.getJobCounts(...QUEUE_STATES, 'prioritized');
        out[q.name] = { ...counts, waiting: (counts.waiting ?? 0) + prioritized } as Partial<Record<QueueState, number>>;
      }
      return out;
    },
    chunkStates: async () => sumRunningChunkStates(await store.list(SCRAPED_BACKFILLS), CHUNK_STATES),
    dependencies: async () => (await health()).services,
    ...(options.watermarks ? { watermarks: options.watermarks } : {}),
  });

  app.get('/', (_req, res) => {
    res.type('text/plain').send(`cdn-etl: /metrics (Prometheus), /healthz, ${QUEUES_PATH} (queue dashboard${queueActions ? '' : ', read-only'})\n`);
  });
  app.get('/metrics', async (_req, res) => {
    try {
      const body = await metrics.text();
      res.set('Content-Type', metrics.registry.contentType).send(body);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'metrics collection failed');
      res.status(500).type('text/plain').send('metrics collection failed\n');
    }
  });
  app.get('/healthz', async (_req, res) => {
    const report = await health();
    if (!report.ok) logger.warn({ reason: healthReasons(report) }, 'health check failed');
    res
      .status(report.ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: report.ok ? 'ok' : 'unavailable', ...(report.ok ? {} : { reason: healthReasons(report) }), services: report.services });
  });

  const board = new ExpressAdapter();
  board.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: !queueActions })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: `cdn-etl (${redisPrefix})` } },
  });
  if (auth) app.use(QUEUES_PATH, basicAuth(auth, throttle));
  // bull-board refuses per-queue actions on read-only queues itself (405); this also covers board-wide ones.
  if (!queueActions) app.use(QUEUES_PATH, refuseWrites);
  app.use(QUEUES_PATH, requireSameOrigin);
  app.use(QUEUES_PATH, board.getRouter() as express.Router);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found: try /metrics, /healthz or /queues\n');
  });

  const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  logger.info({ url, queues: queues.map((q) => q.name), queueActions, dashboardAuth: auth !== undefined, metricsAuth: options.config.metricsAuth?.kind ?? 'none' }, 'ops server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    metrics,
    health,
    close() {
      closing ??= (async () => {
        detachSources();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A scrape still in flight gets a moment to finish; then every connection is cut.
        const forced = setTimeout(() => server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(forced);
        await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
        try {
          if (redis.status === 'ready') await redis.quit();
          else redis.disconnect();
        } catch {
          redis.disconnect();
        }
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') reject(new InvalidArgumentError(`port ${port} on ${host} is already in use (give another, or 0 for no HTTP server)`, '--http-port'));
      else if (err.code === 'EACCES') reject(new InvalidArgumentError(`not allowed to listen on port ${port} on ${host}`, '--http-port'));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new InvalidArgumentError(`${host} is not an address of this machine`, '--http-host'));
      else reject(new ServiceUnavailableError('http', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** PING once the connection is ready: a probe during (re)connection waits for it (the probe's timeout bounds that). */
async function pingWhenReady(redis: Redis, waitMs: number): Promise<string> {
  if (redis.status !== 'ready') {
    if (redis.status === 'end') throw new Error('connection closed');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`not connected (${redis.status})`));
      }, waitMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
    });
  }
  return redis.ping();
}

/** The host names a request may name: the bound address, its aliases, and the configured names (lower case). */
function allowedHosts(bound: string, configured: readonly string[]): ReadonlySet<string> {
  const hosts = new Set<string>([bound.toLowerCase(), ...configured]);
  const wildcard = bound === '0.0.0.0' || bound === '::';
  if (wildcard) for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) hosts.add(a.address.toLowerCase());
  if (wildcard || isLoopbackHost(bound)) for (const h of ['localhost', '127.0.0.1', '::1']) hosts.add(h);
  return hosts;
}

/** The host name of a Host header or of an Origin's authority, lower case, without brackets; undefined if unreadable. */
function hostNameOf(authority: string | undefined): string | undefined {
  if (authority === undefined || authority === '') return undefined;
  try {
    return new URL(`http://${authority}`).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return undefined;
  }
}

function checkHost(hosts: ReadonlySet<string>): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const name = hostNameOf(req.headers.host);
    if (name === undefined || !hosts.has(name)) {
      res.status(421).type('text/plain').send('this server does not answer to that host name (add it to CDN_ETL_HTTP_HOSTS)\n');
      return;
    }
    next();
  };
}

/** Anything but GET, HEAD and OPTIONS needs an Origin of this very host: no cross-site "simple" POST. */
function requireSameOrigin(req: Request, res: Response, next: NextFunction): void {
  if (isSafeMethod(req.method)) return next();
  const origin = req.headers.origin;
  if (origin !== undefined && URL.canParse(origin) && new URL(origin).host === req.headers.host) return next();
  res.status(403).type('text/plain').send('a request that changes something needs an Origin header of this server\n');
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

function refuseWrites(req: Request, res: Response, next: NextFunction): void {
  if (isSafeMethod(req.method)) return next();
  res.status(405).json({ error: 'the queue dashboard is read-only: start the process with --queues-actions to allow actions' });
}
