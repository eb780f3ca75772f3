/**
 * The signed HTTP client of the CDN API. It runs any action of actions/ (one module per action, listed in
 * action-registry.ts) the same way: sign (request-signer.ts), send (pool-transport.ts), read the answer, classify a
 * failure (classify-error.ts), redact what goes into the error (secret-redaction.ts).
 *
 * Contract: every method call is exactly ONE HTTP attempt per request it needs (DescribeUserDomains: one per page),
 * with a fresh nonce and timestamp; there are no hidden retries, so whoever retries (the queue) sees and counts
 * every call against the account's quota. Every failure is an ApiError whose `kind` (throttled, transient,
 * permanent) comes from classify-error.ts. The client never logs; it reports each attempt through `onCall`.
 * Messages never contain the secret, the STS token or a signature.
 */
import { performance } from 'node:perf_hooks';
import { ApiError, InvalidArgumentError, type ApiErrorKind } from '../core/errors.js';
import { versionOf } from './actions/action-registry.js';
import { isObject, ShapeError, stringField, type ApiAction, type Json } from './actions/api-action.js';
import { SRC_TRAFFIC_ACTION } from './actions/src-traffic-action.js';
import { listUserDomains, USER_DOMAINS_ACTION } from './actions/user-domains-action.js';
import type { CallOptions, CdnApi, SrcTrafficQuery, SrcTrafficResponse, UserDomain } from './api-types.js';
import { classifyError, classifyTransport, describeTransport, errorCode, type TransportFailure } from './classify-error.js';
import { resolveClientOptions, type ApiCallEvent, type CdnClientOptions, type ResolvedClientOptions } from './client-options.js';
import { BodyReadError, PoolTransport, type RawResponse } from './pool-transport.js';
import { signRequest } from './request-signer.js';
import { redactServerMessage, scrubCause, secretsOf } from './secret-redaction.js';
import { stripControlsOf } from '../core/strip-controls.js';

export { CLIENT_DEFAULTS, type ApiCallEvent, type CdnClientOptions } from './client-options.js';
export { USER_DOMAINS_PAGE_SIZE } from './actions/user-domains-action.js';

interface AttemptContext {
  readonly action: string;
  readonly version: string;
  readonly domain?: string | undefined;
}

export class CdnClient implements CdnApi {
  readonly #options: ResolvedClientOptions;
  readonly #transport: PoolTransport;
  /** Strings that must never appear in a message: the secret and the token. */
  readonly #secrets: readonly string[];
  #closed = false;

  /** Validates the options (InvalidArgumentError, before any I/O) and opens no connection yet. */
  constructor(options: CdnClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#secrets = secretsOf(this.#options.credentials);
    this.#transport = new PoolTransport(this.#options);
  }

  /** One call of DescribeDomainRealTimeSrcTrafficData (actions/src-traffic-action.ts). */
  describeDomainRealTimeSrcTrafficData(query: SrcTrafficQuery, options?: CallOptions): Promise<SrcTrafficResponse> {
    return this.request(SRC_TRAFFIC_ACTION, query, options);
  }

  /** Every domain of the account, one DescribeUserDomains call per page (actions/user-domains-action.ts). */
  describeUserDomains(options?: CallOptions): Promise<UserDomain[]> {
    return listUserDomains((page) => this.request(USER_DOMAINS_ACTION, { page }, options));
  }

  /** One call of any registered action: its query validated and sent, its answer read by the action. */
  async request<Q, R>(action: ApiAction<Q, R>, query: Q, options?: CallOptions): Promise<R> {
    const params = action.params(query);
    return this.#attempt({ action: action.name, version: action.version, domain: action.domain?.(query) }, params, options, (json, requestId) => action.read(json, requestId));
  }

  /**
   * One signed call of any action of the API with raw string parameters (the version its registry entry gives,
   * else the CDN API's); resolves to the parsed JSON object of a successful answer. It lets tests send what the
   * typed actions refuse (a malformed StartTime).
   */
  async call(action: string, params: Readonly<Record<string, string>>, options?: CallOptions): Promise<Record<string, unknown>> {
    if (typeof action !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(action)) throw new InvalidArgumentError(`invalid action ${JSON.stringify(action)}`);
    return this.#attempt({ action, version: versionOf(action), domain: params.DomainName }, params, options, (json) => json);
  }

  /** Closes the pool after the calls in flight have ended. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#transport.close();
  }

  /** One HTTP attempt; `read` turns the JSON of a success into the result or throws ShapeError (-> unparsable). */
  async #attempt<T>(ctx: AttemptContext, params: Readonly<Record<string, string>>, options: CallOptions | undefined, read: (json: Json, requestId: string) => T): Promise<T> {
    if (this.#closed) {
      throw new ApiError({ apiCode: 'Client.Closed', kind: 'permanent', action: ctx.action }, `${describe(ctx)}: the client is closed`);
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      throw new ApiError({ apiCode: 'Transport.Aborted', kind: 'transient', action: ctx.action }, `${describe(ctx)}: aborted before the call was sent`);
    }
    const o = this.#options;
    const request = signRequest({
      endpoint: o.endpoint,
      action: ctx.action,
      version: ctx.version,
      params,
      credentials: o.credentials,
      signatureVersion: o.signatureVersion,
      method: o.method,
      nonce: o.nonce(),
      now: o.clock(),
    });
    const started = performance.now();
    let raw: RawResponse;
    try {
      raw = await this.#transport.send(request.method, request.path, request.headers, signal);
    } catch (err) {
      const duringBody = err instanceof BodyReadError;
      const transport = classifyTransport({ code: errorCode(duringBody ? err.inner : err), duringBody, aborted: signal?.aborted === true });
      throw this.#fail(ctx, started, { transport }, err);
    }
    return this.#interpret(ctx, started, raw, read);
  }

  #interpret<T>(ctx: AttemptContext, started: number, raw: RawResponse, read: (json: Json, requestId: string) => T): T {
    const headerRequestId = stripControlsOf(firstHeader(raw.headers['x-acs-request-id']));
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
    throw this.#fail(
      ctx,
      started,
      {
        status: raw.status,
        code: stringField(json, 'Code', 'code'),
        retryAfterHeader: retryAfter === undefined ? undefined : (firstHeader(retryAfter) ?? ''),
        requestId,
      },
      undefined,
      stringField(json, 'Message', 'message') ?? (json ? 'no message' : 'the error body is not JSON'),
    );
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
    const detail =
      serverMessage !== undefined ? redactServerMessage(serverMessage, this.#secrets) : describeTransport(facts.transport, errorCode(cause instanceof BodyReadError ? cause.inner : cause));
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
    const onCall = this.#options.onCall;
    if (!onCall) return;
    const event: ApiCallEvent = {
      action: ctx.action,
      ...(ctx.domain !== undefined ? { domain: ctx.domain } : {}),
      outcome,
      ...(apiCode !== undefined ? { apiCode } : {}),
      ...(status !== undefined ? { status } : {}),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    try {
      onCall(event);
    } catch {
      // A failing metrics or log subscriber must not turn a call that spent quota into a failure.
    }
  }
}

function describe(ctx: AttemptContext): string {
  return ctx.domain !== undefined ? `${ctx.action} ${ctx.domain}` : ctx.action;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
