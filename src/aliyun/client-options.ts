/**
 * CdnClient's options: one object, defaults filled and every value validated at once (InvalidArgumentError naming
 * the option) before any I/O, the way undici's constructors do.
 */
import { randomBytes } from 'node:crypto';
import type { Credentials, SignatureVersion } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { HttpMethod } from './request-signer.js';

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

export interface ResolvedClientOptions {
  /** The bare origin, parsed once here. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  readonly signatureVersion: SignatureVersion;
  readonly method: HttpMethod;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly connections: number;
  readonly onCall: ((event: ApiCallEvent) => void) | undefined;
  readonly clock: () => number;
  readonly nonce: () => string;
}

export function resolveClientOptions(options: CdnClientOptions): ResolvedClientOptions {
  const endpoint = parseEndpoint(options.endpoint);
  const credentials = checkCredentials(options.credentials);
  const signatureVersion = options.signatureVersion ?? 'v3';
  if (signatureVersion !== 'v3' && signatureVersion !== 'v2') {
    throw new InvalidArgumentError(`invalid signatureVersion ${JSON.stringify(signatureVersion)}: v3 or v2`);
  }
  const method = options.httpMethod ?? 'POST';
  if (method !== 'POST' && method !== 'GET') throw new InvalidArgumentError(`invalid httpMethod ${JSON.stringify(method)}`);
  const connectTimeoutMs = positiveInt(options.connectTimeoutMs, CLIENT_DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
  const headersTimeoutMs = positiveInt(options.headersTimeoutMs, CLIENT_DEFAULTS.headersTimeoutMs, 'headersTimeoutMs');
  const bodyTimeoutMs = positiveInt(options.bodyTimeoutMs, CLIENT_DEFAULTS.bodyTimeoutMs, 'bodyTimeoutMs');
  const maxResponseBytes = positiveInt(options.maxResponseBytes, CLIENT_DEFAULTS.maxResponseBytes, 'maxResponseBytes');
  const connections = positiveInt(options.connections, CLIENT_DEFAULTS.connections, 'connections');
  if (options.onCall !== undefined && typeof options.onCall !== 'function') throw new InvalidArgumentError('invalid onCall: not a function');
  return {
    endpoint,
    credentials,
    signatureVersion,
    method,
    connectTimeoutMs,
    headersTimeoutMs,
    bodyTimeoutMs,
    maxResponseBytes,
    connections,
    onCall: options.onCall,
    clock: options.clock ?? Date.now,
    nonce: options.nonce ?? (() => randomBytes(16).toString('hex')),
  };
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
