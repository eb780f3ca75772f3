/**
 * Turns what is known about a failed call (API Code, HTTP status, x-acs-retry-after, transport failure) into how
 * the caller should react: throttled, transient or permanent. A pure table; acting on it is the queue's job.
 *
 * Order: the Code first (the HTTP status of the same Code differs between gateways: Throttling is 503 in the seed
 * and 400 in the gateway's table), then the transport failure, then the status.
 */
import type { ApiErrorKind } from '../core/errors.js';

/** How a call failed below HTTP, or with a body that could not be used. */
export type TransportFailure =
  | 'timeout'
  | 'reset'
  | 'refused'
  | 'truncated'
  | 'unparsable'
  | 'too-large'
  /** Any other network failure (DNS, unreachable host, TLS): the next attempt may well succeed. */
  | 'network'
  /** The caller's AbortSignal fired; the call may or may not have reached the server. */
  | 'aborted';

export interface ErrorFacts {
  readonly status?: number | undefined;
  /** The API's `Code` from the error body, when one could be read. */
  readonly code?: string | undefined;
  /** The raw `x-acs-retry-after` header, when present. */
  readonly retryAfterHeader?: string | undefined;
  readonly transport?: TransportFailure | undefined;
}

export interface Classification {
  readonly kind: ApiErrorKind;
  /** The API's Code, or a code of ours for failures without one (`Transport.Timeout`, `Http.502`). */
  readonly apiCode: string;
  readonly retryAfterMs?: number | undefined;
}

/** The apiCode given to each transport failure. */
export const TRANSPORT_CODES: Readonly<Record<TransportFailure, string>> = Object.freeze({
  timeout: 'Transport.Timeout',
  reset: 'Transport.Reset',
  refused: 'Transport.Refused',
  network: 'Transport.Network',
  aborted: 'Transport.Aborted',
  truncated: 'Response.Truncated',
  unparsable: 'Response.Unparsable',
  'too-large': 'Response.TooLarge',
});

/** Codes that mean "the service is momentarily unable": the same request may succeed later. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ServiceUnavailable',
  'InternalError',
  'ServiceBusy', // 403 in the seed: "the domain is configuring, please retry later"
]);

/**
 * Codes for which retrying the same request cannot succeed, whatever their HTTP status.
 *
 * `InvalidDomain.Configure_failed` comes with HTTP 500 in the seed, but it states the domain's configuration
 * failed: that does not heal by itself, an operator must reconfigure the domain. Retrying would spend the shared
 * quota on a call that keeps failing, so it is permanent for the request; a later sync or gap repair fetches the
 * data once the domain is fixed.
 */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId.NotFound',
  'InvalidTimeStamp.Expired',
  'SignatureNonceUsed',
  'MissingParameter',
  'InvalidEndTime.Mismatch',
  'InvalidStartTime.ValueNotSupported',
  'InvalidDomain.NotFound',
  'InvalidDomain.Offline',
  'InvalidDomain.Configure_failed',
  'OperationDenied',
  'IllegalOperation',
]);

const MALFORMED = /^Invalid[A-Za-z0-9]*\.Malformed$/;

/** What a code outside KNOWN_CODES is counted as wherever a label set must stay small (/metrics). */
export const OTHER_CODE = 'other';

/**
 * Every code this module gives a meaning to, plus the few the client sets itself. A metric label takes only these:
 * the API's `Code` is text from a remote server, and a label per new value would grow the series without bound.
 */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...Object.values(TRANSPORT_CODES),
  ...TRANSIENT_CODES,
  ...PERMANENT_CODES,
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'InvalidStartTime.Malformed',
  'InvalidEndTime.Malformed',
  'InvalidTimeStamp.Format',
  'Client.Closed',
  'Unknown',
]);

/** `Http.<status>` for a status without a Code: at most 500 values. */
const HTTP_STATUS_CODE = /^Http\.[1-5]\d\d$/;

/**
 * `code` when it is one of KNOWN_CODES or `Http.<status>`, else OTHER_CODE.
 *
 * @example boundedCode('Throttling.User') // 'Throttling.User'
 * @example boundedCode('Evil.' + 'x'.repeat(500)) // 'other'
 */
export function boundedCode(code: string | undefined): string {
  if (code === undefined) return 'Unknown';
  return KNOWN_CODES.has(code) || HTTP_STATUS_CODE.test(code) ? code : OTHER_CODE;
}

/**
 * `x-acs-retry-after` as milliseconds, or undefined when absent or not a non-negative number.
 * The unit is NOT confirmed by Alibaba's documentation; the official SDKs read it as milliseconds, and so do we.
 */
export function parseRetryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (!/^\d+(?:\.\d+)?$/.test(trimmed)) return undefined;
  const ms = Math.ceil(Number(trimmed));
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Classifies one failed call.
 *
 * @example
 * classifyError({ status: 400, code: 'Throttling.User', retryAfterHeader: '1500' })
 * // { kind: 'throttled', apiCode: 'Throttling.User', retryAfterMs: 1500 }
 * classifyError({ transport: 'timeout' }) // { kind: 'transient', apiCode: 'Transport.Timeout' }
 */
export function classifyError(facts: ErrorFacts): Classification {
  const code = facts.code !== undefined && facts.code.trim() !== '' ? facts.code.trim() : undefined;
  const apiCode = code ?? (facts.transport ? TRANSPORT_CODES[facts.transport] : facts.status !== undefined ? `Http.${facts.status}` : 'Unknown');

  // A retry-after header means the gateway wants us to slow down, whatever the Code says (as recent SDKs do).
  if ((code !== undefined && code.includes('Throttling')) || facts.retryAfterHeader !== undefined) {
    return { kind: 'throttled', apiCode, retryAfterMs: parseRetryAfterMs(facts.retryAfterHeader) };
  }
  if (code !== undefined) {
    if (TRANSIENT_CODES.has(code)) return { kind: 'transient', apiCode };
    if (PERMANENT_CODES.has(code) || MALFORMED.test(code)) return { kind: 'permanent', apiCode };
  }
  if (facts.transport !== undefined) return { kind: 'transient', apiCode };
  if (facts.status !== undefined) {
    // 5xx without a known permanent Code: the server's trouble, worth another attempt. Anything else that is not a
    // success (4xx, and a 1xx/3xx the RPC endpoint never sends) will fail again the same way.
    return { kind: facts.status >= 500 && facts.status <= 599 ? 'transient' : 'permanent', apiCode };
  }
  // Nothing known at all: treat as a passing failure rather than losing the chunk.
  return { kind: 'transient', apiCode };
}

/** The undici or Node error code behind a failure (an AggregateError from several addresses: its first one's). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return undefined;
}

export interface TransportFacts {
  /** errorCode() of what the transport threw. */
  readonly code: string | undefined;
  /** The failure came while the body streamed, after the status and headers had arrived. */
  readonly duringBody: boolean;
  /** The caller's signal had fired. */
  readonly aborted: boolean;
}

/**
 * Names a failure below HTTP.
 *
 * @example classifyTransport({ code: 'UND_ERR_HEADERS_TIMEOUT', duringBody: false, aborted: false }) // 'timeout'
 * @example classifyTransport({ code: 'ECONNRESET', duringBody: true, aborted: false }) // 'truncated'
 */
export function classifyTransport(facts: TransportFacts): TransportFailure {
  if (facts.aborted) return 'aborted';
  if (facts.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'too-large';
  if (facts.duringBody) return facts.code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : 'truncated';
  switch (facts.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return 'truncated';
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
      return 'aborted';
    default:
      return 'network';
  }
}

/** The words for a transport failure in an error message; `code` is errorCode() of the cause. */
export function describeTransport(transport: TransportFailure | undefined, code: string | undefined): string {
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

/**
 * How far a permanent refusal reaches (issue 13): `domain` codes say the domain itself is unusable, so its other
 * chunks would get the same answer; `account` codes say the credentials or the account are refused, so every call
 * would; anything else concerns the one request.
 */
export type ErrorScope = 'chunk' | 'domain' | 'account';

export const DOMAIN_SCOPED_CODES: ReadonlySet<string> = new Set(['InvalidDomain.NotFound', 'InvalidDomain.Offline', 'InvalidDomain.Configure_failed', 'IllegalOperation']);

/** Each account-scoped code with what the operator should fix. */
export const ACCOUNT_SCOPED_CODES: ReadonlyMap<string, string> = new Map([
  ['SignatureDoesNotMatch', 'check ALIBABA_CLOUD_ACCESS_KEY_SECRET (and CDN_SIGNATURE_VERSION): the API could not verify the signature'],
  ['InvalidAccessKeyId.NotFound', 'check ALIBABA_CLOUD_ACCESS_KEY_ID: the API does not know this AccessKey'],
  ['OperationDenied', 'the account may not call this API: check that CDN is activated and the AccessKey has permission'],
  ['InvalidTimeStamp.Expired', "set this machine's clock right (NTP): it is more than 15 minutes off the API's"],
]);

/** The reach of a permanent error with this API Code. Pure. */
export function errorScope(apiCode: string): ErrorScope {
  if (DOMAIN_SCOPED_CODES.has(apiCode)) return 'domain';
  if (ACCOUNT_SCOPED_CODES.has(apiCode)) return 'account';
  return 'chunk';
}
