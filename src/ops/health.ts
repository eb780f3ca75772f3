/**
 * Liveness of the services a worker needs: Redis answers PING and QuestDB answers its HTTP `/ping`, each within
 * a short timeout. Used by /healthz (200 only when both answer, 503 with the reason otherwise) and by the
 * `cdn_etl_dependency_up` gauge. Reasons name the service and its host:port, never its URL.
 */

import { request } from 'undici';
import { hostPortOf } from '../core/redact-url.js';
import { questDbOrigin, questDbRequest, type QuestDbHttp } from '../store/questdb-access.js';

/** The slice of an ioredis client the check uses; give it a fail-fast connection (no offline queue). */
export interface PingableRedis {
  ping(): Promise<string>;
}

export interface HealthCheckOptions {
  readonly redis: PingableRedis;
  /** For messages only, served without authentication: host:port alone (redact-url.ts hostPortOf), never the URL. */
  readonly redisLabel: string;
  /** QuestDB's HTTP side with its credentials (app-runtime.ts questDbEndpointOf), or a bare origin without any. */
  readonly questdbHttp: QuestDbHttp;
  /** Longest wait for each service, ms (default 1000). */
  readonly timeoutMs?: number;
}

export interface ServiceHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Why it is not ok. */
  readonly reason?: string;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly services: { readonly redis: ServiceHealth; readonly questdb: ServiceHealth };
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

/**
 * Builds the check; each call probes both services in parallel and never throws.
 *
 * @example
 * const check = createHealthCheck({ redis, redisLabel: hostPortOf(config.redisUrl, 6379), questdbHttp: config.questdbHttp });
 * const report = await check(); // { ok: true, services: { redis: { ok: true, latencyMs: 0.4 }, ... } }
 */
export function createHealthCheck(options: HealthCheckOptions): () => Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const origin = questDbOrigin(options.questdbHttp);
  const pingUrl = `${origin}/ping`;
  const redis = (): Promise<ServiceHealth> =>
    probe(timeoutMs, async () => {
      const answer = await options.redis.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer ${JSON.stringify(answer).slice(0, 40)}`);
    }, `Redis at ${options.redisLabel}`);
  const questdb = (): Promise<ServiceHealth> =>
    probe(timeoutMs, async (signal) => {
      const res = await request(pingUrl, { signal, ...questDbRequest(options.questdbHttp) });
      await res.body.arrayBuffer();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
    }, `QuestDB at ${hostPortOf(origin, 9000)}`);
  return async () => {
    const [r, q] = await Promise.all([redis(), questdb()]);
    return { ok: r.ok && q.ok, services: { redis: r, questdb: q } };
  };
}

/** The reasons of a failed report, one line: `questdb: QuestDB at http://... does not answer: ECONNREFUSED`. */
export function healthReasons(report: HealthReport): string {
  return Object.entries(report.services)
    .filter(([, s]) => !s.ok)
    .map(([name, s]) => `${name}: ${s.reason ?? 'not ok'}`)
    .join('; ');
}

async function probe(timeoutMs: number, attempt: (signal: AbortSignal) => Promise<void>, label: string): Promise<ServiceHealth> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      attempt(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: elapsed(started) };
  } catch (err) {
    return { ok: false, latencyMs: elapsed(started), reason: `${label} does not answer: ${describe(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/** The most telling part of an error: a socket code (`ECONNREFUSED`) beats fetch's generic "fetch failed". */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 200);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  const message = cause instanceof Error && err.message === 'fetch failed' ? cause.message : err.message;
  return (code && !message.includes(code) ? `${code} ${message}` : message).replace(/\s+/g, ' ').slice(0, 200);
}
