/**
 * A local stand-in for the Alibaba Cloud CDN API (product Cdn, version 2018-05-10) over node:http:
 * DescribeDomainRealTimeSrcTrafficData and DescribeUserDomains, signed with V3 or V2, strict like the
 * real service. Per request: route (action, version) -> authenticate (key, clock, body hash,
 * signature, nonce) -> quota (calendar second of arrival) -> injected fault, if any -> parameters ->
 * answer. `GET /` says what it is. Everything per request is cheap: no crypto beyond one HMAC and
 * one SHA-256, traffic values from integer hashing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ACTION_SRC_TRAFFIC, ACTION_USER_DOMAINS, CDN_API_VERSION } from '../aliyun/api-types.js';
import { DEFAULT_TIERS, validateTiers } from '../aliyun/tiers.js';
import { InvalidArgumentError } from '../core/errors.js';
import { FaultInjector, seededRandom, type FaultKind } from './fault-injector.js';
import { hostileAnswer, JSON_CONTENT_TYPE, type SerialisedAnswer } from './hostile-answer.js';
import { NonceCache } from './nonce-cache.js';
import { QuotaGate } from './quota-gate.js';
import { authenticate, routeCall, type SignatureScheme } from './request-auth.js';
import { simError, throttleError, type SimErrorAnswer } from './sim-error-table.js';
import { requestParams, toSimRequest, type SimRequest } from './sim-request.js';
import { StatsRecorder } from './sim-stats.js';
import {
  DEFAULT_SIM_DOMAINS,
  DEFAULT_SIM_QPS,
  DEFAULT_STALL_MS,
  DEMO_CREDENTIALS,
  type CompetingOptions,
  type FaultOptions,
  type RunningSimulator,
  type SimDomainStatus,
  type SimulatorOptions,
} from './sim-types.js';
import { buildSrcTrafficBody } from './src-traffic-answer.js';
import { validateSrcTrafficParams } from './src-traffic-params.js';
import { buildUserDomainsBody } from './user-domains-answer.js';

export * from './sim-types.js';
export { finalSlotValue, slotValue } from './traffic-model.js';

const ACTIONS: ReadonlySet<string> = new Set([ACTION_SRC_TRAFFIC, ACTION_USER_DOMAINS]);
const HOST_ID = 'cdn.aliyuncs.com';
const MAX_BODY_BYTES = 1 << 20;

function checkFaults(f: FaultOptions): void {
  for (const key of ['throttleRate', 'serverErrorRate', 'resetRate', 'stallRate', 'truncateRate', 'serviceBusyRate'] as const) {
    const v = f[key];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new InvalidArgumentError(`must be a fraction from 0 to 1, got ${v}`, `faults.${key}`);
  }
  for (const key of ['stallMs', 'afterCalls', 'untilCalls', 'maxFaults'] as const) {
    const v = f[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`must be a non-negative whole number, got ${v}`, `faults.${key}`);
  }
}

function checkOptions(o: SimulatorOptions): void {
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) throw new InvalidArgumentError(`invalid port ${o.port}`, 'port');
  if (o.qps !== undefined && !(Number.isInteger(o.qps) && o.qps >= 1)) throw new InvalidArgumentError(`must be a positive whole number, got ${o.qps}`, 'qps');
  if (o.tiers) {
    const problem = validateTiers(o.tiers);
    if (problem) throw new InvalidArgumentError(problem, 'tiers');
  }
  const names = (o.domains ?? []).map((d) => d.name);
  if (names.some((n) => n.trim() === '' || n.includes(',') || n !== n.trim())) throw new InvalidArgumentError('domain names must be non-empty, without commas or spaces', 'domains');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('domain names must be unique', 'domains');
  if (o.credentials && (!o.credentials.accessKeyId || !o.credentials.accessKeySecret)) throw new InvalidArgumentError('need an access key id and secret', 'credentials');
  const latency = typeof o.latencyMs === 'number' ? [o.latencyMs, o.latencyMs] : (o.latencyMs ?? [0, 0]);
  if (!latency.every((v) => Number.isFinite(v) && v >= 0) || latency[0]! > latency[1]!) throw new InvalidArgumentError('must be >= 0 (or a [min, max] pair)', 'latencyMs');
  if (o.hostile && o.hostile.rate !== undefined && !(o.hostile.rate >= 0 && o.hostile.rate <= 1)) throw new InvalidArgumentError('must be a fraction from 0 to 1', 'hostile.rate');
  if (o.throttle?.code !== undefined && !o.throttle.code.includes('Throttling')) throw new InvalidArgumentError('a throttling code must contain "Throttling"', 'throttle.code');
  checkFaults(o.faults ?? {});
  if (o.competing) checkCompeting(o.competing, o.qps ?? DEFAULT_SIM_QPS);
}

function checkCompeting(c: CompetingOptions, qps: number): void {
  if (!(Number.isInteger(c.callsPerSecond) && c.callsPerSecond >= 0 && c.callsPerSecond <= qps)) {
    throw new InvalidArgumentError(`must be a whole number from 0 to qps (${qps}), got ${c.callsPerSecond}`, 'competing.callsPerSecond');
  }
  for (const key of ['afterCalls', 'untilCalls'] as const) {
    const v = c[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`must be a non-negative whole number, got ${v}`, `competing.${key}`);
  }
}

/**
 * Starts the simulator and resolves once it listens.
 *
 * @example
 * const sim = await startSimulator({ domains: [{ name: 't1.example.com' }], faults: { throttleRate: 0.2 } });
 * // CDN_ENDPOINT=sim.url with DEMO_CREDENTIALS ... then:
 * await sim.close();
 * @throws InvalidArgumentError for an invalid option, before anything listens
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  checkOptions(options);
  const credentials = options.credentials ?? DEMO_CREDENTIALS;
  const domainList = options.domains ?? DEFAULT_SIM_DOMAINS;
  const domainStatus = new Map<string, SimDomainStatus>(domainList.map((d) => [d.name, d.status ?? 'online']));
  const tiers = options.tiers ?? DEFAULT_TIERS;
  const dataNow = options.now ?? Date.now;
  // Separate generators, so turning latency or hostile answers on does not change the fault sequence.
  const seed = options.seed ?? 1;
  const faults = new FaultInjector(options.faults, seededRandom(seed));
  const hostileRandom = seededRandom(seed + 1);
  const latencyRandom = seededRandom(seed + 2);
  const qps = options.qps ?? DEFAULT_SIM_QPS;
  // The quota is per operation (API-NOTES.md), so each action has its own gate.
  const quotas = new Map([...ACTIONS].map((a) => [a, new QuotaGate(qps)]));
  const nonces = new NonceCache();
  const stats = new StatsRecorder();
  const throttleCode = options.throttle?.code ?? 'Throttling.User';
  const throttleStatus = options.throttle?.status ?? 400;
  const [latencyMin, latencyMax] = typeof options.latencyMs === 'number' ? [options.latencyMs, options.latencyMs] : (options.latencyMs ?? [0, 0]);
  let currentFaults: FaultOptions = options.faults ?? {};
  let competing = options.competing;
  let trafficCallsSinceCompeting = 0;
  /** What the competing consumer spends of the second a traffic call arrives in. */
  const spentElsewhere = (): number => {
    trafficCallsSinceCompeting += 1;
    if (!competing || trafficCallsSinceCompeting <= (competing.afterCalls ?? 0)) return 0;
    if (competing.untilCalls !== undefined && trafficCallsSinceCompeting > competing.untilCalls) return 0;
    return competing.callsPerSecond;
  };
  const clock = options.clock ?? Date.now;
  /** Pending waits (latency, stalls); close() ends them so no handler outlives the server. */
  const timers = new Map<NodeJS.Timeout, () => void>();

  const later = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.set(t, resolve);
    });

  const send = (res: ServerResponse, status: number, answer: SerialisedAnswer, requestId: string, extraHeaders: Record<string, string> = {}): void => {
    if (res.destroyed || res.headersSent) return;
    const body = Buffer.from(answer.text, 'utf8');
    res.writeHead(status, { 'content-type': answer.contentType, 'content-length': body.length, 'x-acs-request-id': requestId, ...extraHeaders });
    res.end(body);
  };

  const errorAnswer = (error: SimErrorAnswer, requestId: string): SerialisedAnswer => ({
    text: JSON.stringify({
      RequestId: requestId,
      HostId: HOST_ID,
      Code: error.code,
      Message: error.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Cdn&requestId=${requestId}`,
    }),
    contentType: JSON_CONTENT_TYPE,
  });

  const sendError = (res: ServerResponse, error: SimErrorAnswer, requestId: string): void => {
    const throttled = error.code.includes('Throttling');
    stats.error(error.code, throttled);
    const headers: Record<string, string> = {};
    if (throttled && options.throttle?.retryAfterMs !== undefined) headers['x-acs-retry-after'] = String(options.throttle.retryAfterMs);
    send(res, error.status, errorAnswer(error, requestId), requestId, headers);
  };

  const answerAction = (req: SimRequest, action: string, requestId: string): { status: number; answer: SerialisedAnswer } | SimErrorAnswer => {
    const params = requestParams(req);
    if (action === ACTION_USER_DOMAINS) {
      const page = buildUserDomainsBody(params, domainList);
      if (!page.ok) return page.error;
      return { status: 200, answer: { text: JSON.stringify({ RequestId: requestId, ...page.value }), contentType: JSON_CONTENT_TYPE } };
    }
    const now = dataNow();
    const call = validateSrcTrafficParams(params, { now, tiers, domains: domainStatus, account: options.account });
    if (!call.ok) return call.error;
    const body = buildSrcTrafficBody(call.value, now, tiers);
    const hostile = options.hostile;
    if (hostile && hostile.modes.length > 0 && hostileRandom() < (hostile.rate ?? 1)) {
      const mode = hostile.modes[Math.floor(hostileRandom() * hostile.modes.length)]!;
      return { status: 200, answer: hostileAnswer(body, mode, { RequestId: requestId }) };
    }
    return { status: 200, answer: { text: JSON.stringify({ RequestId: requestId, ...body }), contentType: JSON_CONTENT_TYPE } };
  };

  type Outcome =
    | { readonly kind: 'error'; readonly error: SimErrorAnswer }
    | { readonly kind: 'answer'; readonly status: number; readonly answer: SerialisedAnswer; readonly fault?: 'stall' | 'truncate' | undefined }
    | { readonly kind: 'reset' };

  /** Everything but delivery; `receivedAt` (real clock) is the arrival the quota and freshness judge. */
  const decide = (req: SimRequest, action: string, scheme: SignatureScheme, requestId: string, receivedAt: number): Outcome => {
    const auth = authenticate(req, scheme, { credentials, nonces, now: receivedAt });
    if (!auth.ok) return { kind: 'error', error: auth.error };
    if (action === ACTION_SRC_TRAFFIC) {
      stats.domains([...new Set((requestParams(req).DomainName ?? '').split(',').map((d) => d.trim()).filter((d) => d !== ''))]);
      // The quota stats are about the traffic action, the one whose pacing matters.
      stats.arrival(receivedAt);
    }
    if (!quotas.get(action)!.admit(receivedAt, action === ACTION_SRC_TRAFFIC ? spentElsewhere() : 0)) return { kind: 'error', error: throttleError(throttleCode, throttleStatus) };
    const fault: FaultKind | undefined = faults.decide();
    if (fault) stats.fault(fault);
    switch (fault) {
      case 'throttle':
        return { kind: 'error', error: throttleError(throttleCode, throttleStatus) };
      case 'internal-error':
        return { kind: 'error', error: simError('InternalError') };
      case 'service-unavailable':
        return { kind: 'error', error: simError('ServiceUnavailable') };
      case 'service-busy':
        return { kind: 'error', error: simError('ServiceBusy') };
      case 'reset':
        return { kind: 'reset' };
      default: {
        const result = answerAction(req, action, requestId);
        return 'answer' in result ? { kind: 'answer', ...result, fault } : { kind: 'error', error: result };
      }
    }
  };

  const handle = async (http: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const receivedAt = clock();
    const req = toSimRequest(http.method ?? 'GET', http.url ?? '/', http.headers, raw);
    const requestId = randomUUID().toUpperCase();
    const routed = routeCall(req, ACTIONS);
    if (routed === undefined) {
      if (req.method === 'GET' && req.path === '/') {
        const hello = { service: 'cdn-etl simulator', product: 'Cdn', version: CDN_API_VERSION, actions: [...ACTIONS], domains: domainList.length, qps };
        send(res, 200, { text: JSON.stringify(hello), contentType: JSON_CONTENT_TYPE }, requestId);
      } else {
        sendError(res, simError('InvalidAction.NotFound'), requestId);
      }
      return;
    }
    stats.call(routed.ok ? routed.value.action : 'unknown');
    const outcome: Outcome = routed.ok ? decide(req, routed.value.action, routed.value.scheme, requestId, receivedAt) : { kind: 'error', error: routed.error };
    // Latency delays the answer, never the arrival: a well-paced client must not be throttled by it.
    if (latencyMax > 0) await later(latencyMin + latencyRandom() * (latencyMax - latencyMin));
    if (outcome.kind === 'error') return sendError(res, outcome.error, requestId);
    if (outcome.kind === 'reset') {
      http.socket.resetAndDestroy();
      return;
    }
    if (outcome.fault === 'stall') await later(currentFaults.stallMs ?? DEFAULT_STALL_MS);
    if (outcome.fault === 'truncate') {
      if (res.destroyed) return;
      const body = Buffer.from(outcome.answer.text, 'utf8');
      res.writeHead(outcome.status, { 'content-type': outcome.answer.contentType, 'content-length': body.length, 'x-acs-request-id': requestId });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => http.socket.destroy());
      return;
    }
    send(res, outcome.status, outcome.answer, requestId);
  };

  const server: Server = createServer((http, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    http.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        http.socket.destroy();
        return;
      }
      chunks.push(c);
    });
    http.on('end', () => {
      handle(http, res, Buffer.concat(chunks)).catch((err: unknown) => {
        // A bug in the simulator: answer like the real service's internal error, never hang the caller.
        if (!res.headersSent && !res.destroyed) sendError(res, simError('InternalError', err instanceof Error ? err.message : String(err)), randomUUID().toUpperCase());
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stats: () => stats.snapshot(),
    setFaults: (f) => {
      // Validated like the start options, so a test's typo fails loudly.
      checkFaults(f);
      currentFaults = { ...f };
      faults.set(currentFaults);
    },
    setCompeting: (c) => {
      if (c) checkCompeting(c, qps);
      competing = c;
      trafficCallsSinceCompeting = 0;
    },
    resetStats: () => stats.reset(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const [t, resolveWait] of timers) {
          clearTimeout(t);
          resolveWait();
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
