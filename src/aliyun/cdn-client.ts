/**
 * The signed HTTP client of the CDN API over one shared keep-alive undici Pool.
 *
 * Contract: every method call is exactly ONE HTTP attempt per request it needs (DescribeUserDomains: one per page),
 * with a fresh nonce and timestamp; there are no hidden retries, so whoever retries (the queue) sees and counts
 * every call against the account's quota. Every failure is an ApiError whose `kind` (throttled, transient,
 * permanent) comes from classify-error.ts. The client never logs; it reports each attempt through `onCall`.
 * Messages never contain the secret, the STS token or a signature.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Credentials, SignatureVersion } from '../core/config.js';
import { ApiError, InvalidArgumentError, type ApiErrorKind } from '../core/errors.js';
import {
  ACTION_SRC_TRAFFIC,
  ACTION_USER_DOMAINS,
  type CallOptions,
  type CdnApi,
  type RawDataPoint,
  type SrcTrafficQuery,
  type SrcTrafficResponse,
  type UserDomain,
} from './api-types.js';
import { classifyError, type TransportFailure } from './classify-error.js';
import { signRequest, type HttpMethod } from './request-signer.js';
import { toWireTime } from './wire-time.js';

/** One HTTP attempt, as reported to `onCall` (for metrics and logs at the edge). */
export interface ApiCallEvent {
  readonly action: string;
  /** The DomainName sent, for DescribeDomainRealTimeSrcTrafficData. */
  readonly domain?: string;
  readonly outcome: 'ok' | 'throttled' | 'transient' | 'permanent';
  /** The API's Code or our transport code; absent on success. */
  readonly apiCode?: string;
  readonly status?: number;
  readonly durationMs: number;
}

export interface CdnClientOptions {
  /** Origin of the API: `https://cdn.aliyuncs.com` (default scheme https), or `http://127.0.0.1:PORT` for a simulator. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  /** Default `v3`. */
  readonly signatureVersion?: SignatureVersion;
  /** Default `POST` (as the official SDK); `GET` works the same way. */
  readonly httpMethod?: HttpMethod;
  /** Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Time to receive the response headers; default 15 000. */
  readonly headersTimeoutMs?: number;
  /** Longest silence while the body streams; default 15 000. */
  readonly bodyTimeoutMs?: number;
  /** Reading stops beyond this many bytes (transient `Response.TooLarge`); default 4 MiB. */
  readonly maxResponseBytes?: number;
  /** Keep-alive connections in the pool; default 10 (the default quota is 10 calls per second). */
  readonly connections?: number;
  readonly onCall?: (event: ApiCallEvent) => void;
  /** Clock for the signature timestamp; default Date.now. A test seam (a skewed clock). */
  readonly clock?: () => number;
  /** Nonce source; default 16 random bytes in hex. A test seam (a reused nonce). */
  readonly nonce?: () => string;
}

export const CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 15_000,
  maxResponseBytes: 4 * 1024 * 1024,
  connections: 10,
});

/** DescribeUserDomains page size: the API's maximum. */
export const USER_DOMAINS_PAGE_SIZE = 500;
/** A paging loop that goes on past this many pages is the server's bug, not an account (5 million domains). */
const MAX_USER_DOMAIN_PAGES = 10_000;

type Json = Record<string, unknown>;

interface AttemptContext {
  readonly action: string;
  readonly domain?: string | undefined;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export class CdnClient implements CdnApi {
  readonly #endpoint: string;
  readonly #credentials: Credentials;
  readonly #signatureVersion: SignatureVersion;
  readonly #method: HttpMethod;
  readonly #maxResponseBytes: number;
  readonly #onCall: ((event: ApiCallEvent) => void) | undefined;
  readonly #clock: () => number;
  readonly #nonce: () => string;
  readonly #pool: Pool;
  /** Strings that must never appear in a message: the secret and the token. */
  readonly #secrets: readonly string[];
  #closed = false;

  /** Validates the options (InvalidArgumentError, before any I/O) and opens no connection yet. */
  constructor(options: CdnClientOptions) {
    this.#endpoint = parseEndpoint(options.endpoint);
    this.#credentials = checkCredentials(options.credentials);
    this.#signatureVersion = options.signatureVersion ?? 'v3';
    if (this.#signatureVersion !== 'v3' && this.#signatureVersion !== 'v2') {
      throw new InvalidArgumentError(`invalid signatureVersion ${JSON.stringify(this.#signatureVersion)}: v3 or v2`);
    }
    this.#method = options.httpMethod ?? 'POST';
    if (this.#method !== 'POST' && this.#method !== 'GET') throw new InvalidArgumentError(`invalid httpMethod ${JSON.stringify(this.#method)}`);
    const connectTimeout = positiveInt(options.connectTimeoutMs, CLIENT_DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
    const headersTimeout = positiveInt(options.headersTimeoutMs, CLIENT_DEFAULTS.headersTimeoutMs, 'headersTimeoutMs');
    const bodyTimeout = positiveInt(options.bodyTimeoutMs, CLIENT_DEFAULTS.bodyTimeoutMs, 'bodyTimeoutMs');
    this.#maxResponseBytes = positiveInt(options.maxResponseBytes, CLIENT_DEFAULTS.maxResponseBytes, 'maxResponseBytes');
    const connections = positiveInt(options.connections, CLIENT_DEFAULTS.connections, 'connections');
    if (options.onCall !== undefined && typeof options.onCall !== 'function') throw new InvalidArgumentError('invalid onCall: not a function');
    this.#onCall = options.onCall;
    this.#clock = options.clock ?? Date.now;
    this.#nonce = options.nonce ?? (() => randomBytes(16).toString('hex'));
    this.#secrets = [this.#credentials.accessKeySecret, this.#credentials.securityToken ?? ''].filter((s) => s.length >= 4);
    this.#pool = new Pool(this.#endpoint, { connections, connectTimeout, headersTimeout, bodyTimeout });
  }

  /**
   * One call of DescribeDomainRealTimeSrcTrafficData: StartTime/EndTime sent as whole-second wire times, the
   * answer returned with its fields as received (`dataModule` = RealTimeSrcTrafficDataPerInterval.DataModule, []
   * when absent). Validation of the data is the normaliser's job.
   */
  async describeDomainRealTimeSrcTrafficData(query: SrcTrafficQuery, options?: CallOptions): Promise<SrcTrafficResponse> {
    const domainName = typeof query.domainName === 'string' ? query.domainName.trim() : '';
    if (domainName === '') throw new InvalidArgumentError('domainName is empty');
    const params = {
      DomainName: domainName,
      StartTime: wireTimeOf(query.startTime, 'startTime'),
      EndTime: wireTimeOf(query.endTime, 'endTime'),
    };
    return this.#attempt({ action: ACTION_SRC_TRAFFIC, domain: domainName }, params, options, (json, requestId) => {
      const perInterval = json.RealTimeSrcTrafficDataPerInterval;
      let dataModule: unknown = [];
      if (perInterval !== undefined && perInterval !== null) {
        if (!isObject(perInterval)) throw new ShapeError('RealTimeSrcTrafficDataPerInterval is not an object');
        dataModule = perInterval.DataModule ?? [];
      }
      if (!Array.isArray(dataModule) || !dataModule.every(isObject)) throw new ShapeError('DataModule is not a list of objects');
      return {
        requestId,
        domainName: json.DomainName,
        startTime: json.StartTime,
        endTime: json.EndTime,
        dataInterval: json.DataInterval,
        dataModule: dataModule as unknown as RawDataPoint[],
      };
    });
  }

  /**
   * Every domain of the account: DescribeUserDomains pages 1, 2, ... of 500 until TotalCount is reached or a page
   * comes back short. One HTTP attempt per page; a failure on any page throws (retry the whole listing, e.g. with
   * retry-policy.ts). A domain that shows up on two pages (the list changed while paging) is kept once.
   */
  async describeUserDomains(options?: CallOptions): Promise<UserDomain[]> {
    const ctx = { action: ACTION_USER_DOMAINS };
    const byName = new Map<string, UserDomain>();
    for (let page = 1; page <= MAX_USER_DOMAIN_PAGES; page++) {
      const { items, total } = await this.#attempt(ctx, { PageSize: String(USER_DOMAINS_PAGE_SIZE), PageNumber: String(page) }, options, (json) => {
        const domains = json.Domains;
        const pageData = domains === undefined || domains === null ? [] : isObject(domains) ? (domains.PageData ?? []) : undefined;
        if (!Array.isArray(pageData)) throw new ShapeError('Domains.PageData is not a list');
        const parsed = pageData.map(toUserDomain);
        if (parsed.some((d) => d === undefined)) throw new ShapeError('a Domains.PageData entry lacks DomainName or DomainStatus');
        return { items: parsed as UserDomain[], total: toCount(json.TotalCount) };
      });
      for (const domain of items) if (!byName.has(domain.domainName)) byName.set(domain.domainName, domain);
      const seenAll = total !== undefined ? page * USER_DOMAINS_PAGE_SIZE >= total : false;
      if (items.length < USER_DOMAINS_PAGE_SIZE || seenAll) return [...byName.values()];
    }
    throw new ApiError(
      { apiCode: 'Response.Unparsable', kind: 'transient', action: ctx.action },
      `${ctx.action}: paging did not end after ${MAX_USER_DOMAIN_PAGES} pages`,
    );
  }

  /**
   * One signed call of any action of the CDN API (version 2018-05-10) with raw string parameters; resolves to the
   * parsed JSON object of a successful answer. The typed methods build on it; it also lets tests send what the
   * typed methods refuse (a malformed StartTime).
   */
  async call(action: string, params: Readonly<Record<string, string>>, options?: CallOptions): Promise<Record<string, unknown>> {
    if (typeof action !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(action)) throw new InvalidArgumentError(`invalid action ${JSON.stringify(action)}`);
    return this.#attempt({ action, domain: params.DomainName }, params, options, (json) => json);
  }

  /** Closes the pool after the calls in flight have ended. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  /** One HTTP attempt; `read` turns the JSON of a success into the result or throws ShapeError (-> unparsable). */
  async #attempt<T>(
    ctx: AttemptContext,
    params: Readonly<Record<string, string>>,
    options: CallOptions | undefined,
    read: (json: Json, requestId: string) => T,
  ): Promise<T> {
    if (this.#closed) {
      throw new ApiError({ apiCode: 'Client.Closed', kind: 'permanent', action: ctx.action }, `${describe(ctx)}: the client is closed`);
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      throw new ApiError({ apiCode: 'Transport.Aborted', kind: 'transient', action: ctx.action }, `${describe(ctx)}: aborted before the call was sent`);
    }
    const request = signRequest({
      endpoint: this.#endpoint,
      action: ctx.action,
      params,
      credentials: this.#credentials,
      signatureVersion: this.#signatureVersion,
      method: this.#method,
      nonce: this.#nonce(),
      now: this.#clock(),
    });
    const started = performance.now();
    let raw: RawResponse;
    try {
      raw = await this.#send(request.method, request.path, request.headers, signal);
    } catch (err) {
      throw this.#fail(ctx, started, classifyTransport(err, signal), err);
    }
    return this.#interpret(ctx, started, raw, read);
  }

  async #send(method: HttpMethod, path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal | undefined): Promise<RawResponse> {
    const res = await this.#pool.request({
      method,
      path,
      headers: { ...headers, accept: 'application/json', 'user-agent': 'cdn-etl' },
      body: '',
      signal,
    });
    const declared = Number(firstHeader(res.headers['content-length']));
    if (Number.isFinite(declared) && declared > this.#maxResponseBytes) {
      discard(res.body);
      throw new TooLargeError();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.#maxResponseBytes) {
          discard(res.body);
          throw new TooLargeError();
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof TooLargeError) throw err;
      throw new BodyReadError(err);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
  }

  #interpret<T>(ctx: AttemptContext, started: number, raw: RawResponse, read: (json: Json, requestId: string) => T): T {
    const headerRequestId = firstHeader(raw.headers['x-acs-request-id']);
    const contentType = firstHeader(raw.headers['content-type']) ?? '';
    let json: Json | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.body.toString('utf8'));
      if (isObject(parsed)) json = parsed;
    } catch {
      json = undefined;
    }
    const requestId = stringField(json, 'RequestId', 'requestId') ?? headerRequestId;

    if (raw.status >= 200 && raw.status < 300) {
      if (!/^(?:application|text)\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim())) {
        throw this.#fail(ctx, started, { status: raw.status, transport: 'unparsable', requestId }, undefined, `content type ${JSON.stringify(contentType.slice(0, 80))} is not JSON`);
      }
      if (!json) throw this.#fail(ctx, started, { status: raw.status, transport: 'unparsable', requestId }, undefined, 'the body is not a JSON object');
      let result: T;
      try {
        result = read(json, requestId ?? '');
      } catch (err) {
        if (err instanceof ShapeError) throw this.#fail(ctx, started, { status: raw.status, transport: 'unparsable', requestId }, undefined, err.message);
        throw err;
      }
      this.#emit(ctx, started, 'ok', undefined, raw.status);
      return result;
    }
    const retryAfter = raw.headers['x-acs-retry-after'];
    throw this.#fail(ctx, started, {
      status: raw.status,
      code: stringField(json, 'Code', 'code'),
      retryAfterHeader: retryAfter === undefined ? undefined : (firstHeader(retryAfter) ?? ''),
      requestId,
    }, undefined, stringField(json, 'Message', 'message') ?? (json ? 'no message' : 'the error body is not JSON'));
  }

  #fail(
    ctx: AttemptContext,
    started: number,
    facts: { status?: number | undefined; code?: string | undefined; retryAfterHeader?: string | undefined; transport?: TransportFailure | undefined; requestId?: string | undefined },
    cause: unknown,
    serverMessage?: string,
  ): ApiError {
    const { kind, apiCode, retryAfterMs } = classifyError(facts);
    this.#emit(ctx, started, kind, apiCode, facts.status);
    const detail = serverMessage !== undefined ? this.#sanitize(serverMessage) : transportDetail(facts.transport, cause);
    const where = [facts.status !== undefined ? `HTTP ${facts.status}` : undefined, facts.requestId ? `RequestId ${facts.requestId}` : undefined]
      .filter(Boolean)
      .join(', ');
    const message = `${describe(ctx)}: ${detail}${where ? ` (${where})` : ''}`;
    return new ApiError(
      { apiCode, kind, status: facts.status, requestId: facts.requestId, retryAfterMs, action: ctx.action },
      message,
      cause instanceof Error ? { cause: scrubCause(cause) } : undefined,
    );
  }

  #emit(ctx: AttemptContext, started: number, outcome: ApiErrorKind | 'ok', apiCode: string | undefined, status: number | undefined): void {
    if (!this.#onCall) return;
    const event: ApiCallEvent = {
      action: ctx.action,
      ...(ctx.domain !== undefined ? { domain: ctx.domain } : {}),
      outcome,
      ...(apiCode !== undefined ? { apiCode } : {}),
      ...(status !== undefined ? { status } : {}),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    try {
      this.#onCall(event);
    } catch {
      // A failing metrics or log subscriber must not turn a call that spent quota into a failure.
    }
  }

  /** A server message fit for an error: no echoed string-to-sign, no secret or token, bounded length. */
  #sanitize(message: string): string {
    // SignatureDoesNotMatch answers echo the server's string to sign (with the STS token in V2): drop it.
    let clean = message.replace(/\s*(?:server\s+)?string\s*to\s*sign\b[\s\S]*$/i, ' [string to sign removed]');
    for (const secret of this.#secrets) clean = clean.split(secret).join('[redacted]');
    clean = clean.replace(/[0-9a-f]{64}/gi, '[redacted]');
    return clean.length > 300 ? `${clean.slice(0, 300)}...` : clean;
  }
}

class TooLargeError extends Error {}

/** A successful answer whose JSON lacks the expected structure. */
class ShapeError extends Error {}

class BodyReadError extends Error {
  constructor(readonly inner: unknown) {
    super('reading the body failed');
  }
}

function classifyTransport(err: unknown, signal: AbortSignal | undefined): { transport: TransportFailure } {
  if (signal?.aborted) return { transport: 'aborted' };
  if (err instanceof TooLargeError) return { transport: 'too-large' };
  if (err instanceof BodyReadError) {
    const code = errorCode(err.inner);
    return { transport: code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : 'truncated' };
  }
  switch (errorCode(err)) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return { transport: 'timeout' };
    case 'ECONNREFUSED':
      return { transport: 'refused' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { transport: 'reset' };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { transport: 'truncated' };
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
      return { transport: 'aborted' };
    default:
      return { transport: 'network' };
  }
}

/** Stops reading a body we will not use; the connection is dropped, and the resulting abort is expected. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // AggregateError from connecting to several addresses: the first one speaks for all.
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return undefined;
}

function transportDetail(transport: TransportFailure | undefined, cause: unknown): string {
  const inner = cause instanceof BodyReadError ? cause.inner : cause;
  const code = errorCode(inner);
  switch (transport) {
    case 'timeout':
      return `timed out${code ? ` (${code})` : ''}`;
    case 'refused':
      return 'connection refused';
    case 'reset':
      return `connection reset before the answer${code ? ` (${code})` : ''}`;
    case 'truncated':
      return `the answer was cut off${code ? ` (${code})` : ''}`;
    case 'too-large':
      return 'the answer exceeds the response size limit';
    case 'aborted':
      return 'aborted by the caller';
    case 'unparsable':
      return 'the answer could not be parsed';
    default:
      return `network failure${code ? ` (${code})` : ''}`;
  }
}

/** Keeps the cause's code and message only: undici errors carry no headers, but be sure nothing else leaks. */
function scrubCause(err: Error): Error {
  const inner = err instanceof BodyReadError && err.inner instanceof Error ? err.inner : err;
  const copy = new Error(inner.message);
  copy.name = inner.name;
  const code = errorCode(inner);
  if (code) (copy as Error & { code?: string }).code = code;
  return copy;
}

function describe(ctx: AttemptContext): string {
  return ctx.domain !== undefined ? `${ctx.action} ${ctx.domain}` : ctx.action;
}

function parseEndpoint(raw: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidArgumentError('invalid endpoint: empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim()) ? raw.trim() : `https://${raw.trim()}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`invalid endpoint ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`invalid endpoint ${JSON.stringify(raw)}: http or https only`);
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new InvalidArgumentError(`invalid endpoint ${JSON.stringify(raw)}: a bare origin such as https://cdn.aliyuncs.com`);
  }
  return url.origin;
}

function checkCredentials(credentials: Credentials): Credentials {
  if (!credentials || typeof credentials.accessKeyId !== 'string' || credentials.accessKeyId === '') {
    throw new InvalidArgumentError('invalid credentials: accessKeyId is empty');
  }
  if (typeof credentials.accessKeySecret !== 'string' || credentials.accessKeySecret === '') {
    throw new InvalidArgumentError('invalid credentials: accessKeySecret is empty');
  }
  const token = credentials.securityToken;
  // The token travels in a header (V3): a character HTTP refuses would fail every call, so refuse it now.
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]*$/.test(token))) {
    throw new InvalidArgumentError('invalid credentials: securityToken must be printable ASCII without spaces');
  }
  return credentials;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`invalid ${name}: ${String(value)} (a whole number >= 1)`);
  return value;
}

function wireTimeOf(ms: number, name: string): string {
  // Millisecond precision would be silently floored on the wire and shift the range asked for: refuse it.
  if (!Number.isSafeInteger(ms) || ms % 1000 !== 0 || Number.isNaN(new Date(ms).getTime())) {
    throw new InvalidArgumentError(`invalid ${name}: ${String(ms)} (epoch ms on a whole second)`);
  }
  return toWireTime(ms);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function stringField(json: Json | undefined, ...names: string[]): string | undefined {
  if (!json) return undefined;
  for (const n of names) {
    const v = json[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function toCount(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toUserDomain(item: unknown): UserDomain | undefined {
  if (!isObject(item)) return undefined;
  const { DomainName, DomainStatus, CdnType, Cname } = item;
  if (typeof DomainName !== 'string' || DomainName === '' || typeof DomainStatus !== 'string') return undefined;
  return {
    domainName: DomainName,
    domainStatus: DomainStatus,
    cdnType: typeof CdnType === 'string' ? CdnType : undefined,
    cname: typeof Cname === 'string' ? Cname : undefined,
  };
}
