/**
 * Builds the complete signed HTTP request for one RPC-style call (V3 by default, V2 on request).
 * Pure: the nonce and the clock are parameters, so the same input always yields the same request.
 * Transport (undici) lives in cdn-client.ts; this module only decides bytes.
 */
import type { Credentials, SignatureVersion } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { CDN_API_VERSION } from './api-types.js';
import { canonicalQuery } from './percent-encode.js';
import { signV2, v2Params } from './sign-v2.js';
import { EMPTY_BODY_SHA256, signV3 } from './sign-v3.js';
import { toWireTime } from './wire-time.js';

export type HttpMethod = 'POST' | 'GET';

export interface SignRequestInput {
  /** Origin of the API, e.g. `https://cdn.aliyuncs.com` or `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  readonly action: string;
  /** The action's own parameters (`DomainName`, `StartTime`, ...), unencoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly credentials: Credentials;
  /** Default `v3`. */
  readonly signatureVersion?: SignatureVersion;
  /** Default `POST` (what the official SDK sends); the method is part of both signatures. */
  readonly method?: HttpMethod;
  /** API version; default `2018-05-10`. */
  readonly version?: string;
  /** Unique per attempt (the server rejects a reused one). */
  readonly nonce: string;
  /** Epoch ms of the attempt; sent without milliseconds. */
  readonly now: number;
}

export interface SignedRequest {
  readonly method: HttpMethod;
  /** `/?` + the query string, ready for the request line. */
  readonly path: string;
  /** Header names lower-case; `host` is exactly the value that was signed. */
  readonly headers: Readonly<Record<string, string>>;
  /** Always empty: every parameter travels in the query string. */
  readonly body: '';
}

/**
 * The `host` header as it must be sent and signed: host name plus `:port` when the endpoint names a
 * non-default port (URL normalisation drops `:443` for https and `:80` for http, as HTTP clients do).
 */
export function hostHeaderOf(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidArgumentError(`endpoint is not a valid URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`endpoint must be http:// or https://, got ${JSON.stringify(endpoint)}`);
  }
  return url.host;
}

/**
 * Signs one call.
 *
 * V3 (`ACS3-HMAC-SHA256`): the action parameters in the query string, an empty body, headers `host`,
 * `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`,
 * `x-acs-security-token` (STS only) and `authorization`.
 * V2 (HMAC-SHA1): the common parameters, the action parameters and `Signature` in the query string; only `host`
 * as header.
 *
 * @example
 * const req = signRequest({ endpoint: 'https://cdn.aliyuncs.com', action: 'DescribeUserDomains',
 *   params: { PageSize: '500', PageNumber: '1' }, credentials, nonce: randomHex(), now: Date.now() });
 * // req.method === 'POST', req.path === '/?PageNumber=1&PageSize=500', req.headers.authorization = 'ACS3-HMAC-SHA256 ...'
 */
export function signRequest(input: SignRequestInput): SignedRequest {
  const method = input.method ?? 'POST';
  if (method !== 'POST' && method !== 'GET') throw new InvalidArgumentError(`unsupported HTTP method ${JSON.stringify(method)}`);
  if (!Number.isFinite(input.now)) throw new InvalidArgumentError('signing time is not a finite number');
  if (input.nonce === '') throw new InvalidArgumentError('signature nonce is empty');
  const host = hostHeaderOf(input.endpoint);
  const version = input.version ?? CDN_API_VERSION;
  const date = toWireTime(input.now);
  const { accessKeyId, accessKeySecret, securityToken } = input.credentials;

  if ((input.signatureVersion ?? 'v3') === 'v2') {
    const params = v2Params(
      { action: input.action, version, accessKeyId, nonce: input.nonce, timestamp: date, securityToken },
      input.params,
    );
    const signature = signV2({ method, params, accessKeySecret });
    return { method, path: `/?${canonicalQuery({ ...params, Signature: signature })}`, headers: { host }, body: '' };
  }

  const headers: Record<string, string> = {
    host,
    'x-acs-action': input.action,
    'x-acs-version': version,
    'x-acs-date': date,
    'x-acs-signature-nonce': input.nonce,
    'x-acs-content-sha256': EMPTY_BODY_SHA256,
  };
  if (securityToken) headers['x-acs-security-token'] = securityToken;
  const signed = signV3({
    method,
    path: '/',
    query: input.params,
    headers,
    payloadHash: EMPTY_BODY_SHA256,
    accessKeyId,
    accessKeySecret,
  });
  headers.authorization = signed.authorization;
  const query = canonicalQuery(input.params);
  return { method, path: query === '' ? '/' : `/?${query}`, headers, body: '' };
}
