/**
 * Routing and authentication of one API request, as the gateway does them before the action sees
 * any parameter: which action and version, which signature scheme (V3 `Authorization` header or V2
 * `Signature` parameter), then key, clock, body hash, signature and nonce. Verification re-signs
 * with the project's own signers. Pure apart from recording the nonce in the cache it is given.
 * Error messages never echo a signature, a secret or a token.
 */
import { timingSafeEqual } from 'node:crypto';
import { CDN_API_VERSION } from '../aliyun/api-types.js';
import { signV2 } from '../aliyun/sign-v2.js';
import { parseV3Authorization, sha256Hex, signV3, V3_ALGORITHM } from '../aliyun/sign-v3.js';
import { parseWireTime } from '../aliyun/wire-time.js';
import type { NonceCache } from './nonce-cache.js';
import { missingParameter, simError, type SimErrorAnswer } from './sim-error-table.js';
import { requestParams, type SimRequest } from './sim-request.js';
import type { SimCredentials } from './sim-types.js';

/** The server accepts a request timestamp at most this far from its own clock, either way. */
export const CLOCK_TOLERANCE_MS = 15 * 60_000;

export type SignatureScheme = 'v3' | 'v2';

export interface RoutedCall {
  readonly scheme: SignatureScheme;
  readonly action: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SimErrorAnswer };

const fail = (error: SimErrorAnswer): { ok: false; error: SimErrorAnswer } => ({ ok: false, error });

/**
 * Which action the request asks for and how it is signed; undefined when it is no API call at all
 * (no Authorization header, no x-acs-action header, no Action parameter).
 */
export function routeCall(req: SimRequest, knownActions: ReadonlySet<string>): Outcome<RoutedCall> | undefined {
  const params = requestParams(req);
  const v3 = req.headers.authorization !== undefined || (req.headers['x-acs-action'] !== undefined && params.Signature === undefined);
  const action = v3 ? req.headers['x-acs-action'] : params.Action;
  const version = v3 ? req.headers['x-acs-version'] : params.Version;
  if (action === undefined && version === undefined && req.headers.authorization === undefined && params.Signature === undefined) return undefined;
  if (action === undefined || action === '') return fail(missingParameter(v3 ? 'x-acs-action' : 'Action'));
  if (version === undefined || version === '') return fail(missingParameter(v3 ? 'x-acs-version' : 'Version'));
  if (req.path !== '/' || (req.method !== 'GET' && req.method !== 'POST') || version !== CDN_API_VERSION || !knownActions.has(action)) {
    return fail(simError('InvalidAction.NotFound'));
  }
  return { ok: true, value: { scheme: v3 ? 'v3' : 'v2', action } };
}

export interface AuthContext {
  readonly credentials: SimCredentials;
  readonly nonces: NonceCache;
  /** The real clock (epoch ms): freshness is about the caller's clock, not the data clock. */
  readonly now: number;
}

/** Verifies the request's signature and freshness; on success, the nonce is spent. */
export function authenticate(req: SimRequest, scheme: SignatureScheme, ctx: AuthContext): Outcome<{ accessKeyId: string }> {
  return scheme === 'v3' ? authenticateV3(req, ctx) : authenticateV2(req, ctx);
}

function checkTimestamp(raw: string, now: number): SimErrorAnswer | undefined {
  const t = parseWireTime(raw);
  if (t === undefined) return simError('InvalidTimeStamp.Format');
  if (Math.abs(now - t) > CLOCK_TOLERANCE_MS) return simError('InvalidTimeStamp.Expired');
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkToken(sent: string | undefined, ctx: AuthContext): SimErrorAnswer | undefined {
  const expected = ctx.credentials.securityToken;
  if (expected === undefined) return undefined;
  return sent !== undefined && sameText(sent, expected) ? undefined : simError('InvalidSecurityToken.MismatchWithAccessKey');
}

function authenticateV3(req: SimRequest, ctx: AuthContext): Outcome<{ accessKeyId: string }> {
  const header = req.headers.authorization;
  if (header === undefined) return fail(missingParameter('Authorization'));
  const auth = parseV3Authorization(header);
  if (!auth) {
    const detail = header.trim().startsWith(`${V3_ALGORITHM} `)
      ? 'The Authorization header is malformed: expected ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>.'
      : 'Unsupported signature algorithm: this endpoint accepts ACS3-HMAC-SHA256.';
    return fail(simError('IncompleteSignature', detail));
  }
  for (const name of ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
    if (!req.headers[name]) return fail(missingParameter(name));
  }
  if (!sameText(auth.accessKeyId, ctx.credentials.accessKeyId)) return fail(simError('InvalidAccessKeyId.NotFound'));
  const stale = checkTimestamp(req.headers['x-acs-date']!, ctx.now);
  if (stale) return fail(stale);
  const payloadHash = req.headers['x-acs-content-sha256']!;
  if (payloadHash !== sha256Hex(req.body)) {
    return fail(simError('SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the SHA-256 of the request body.'));
  }
  // Every common header but Authorization must be signed, host as sent; a listed header must exist.
  const signed = new Set(auth.signedHeaders);
  const mustSign = Object.keys(req.headers).filter((n) => n === 'host' || n.startsWith('x-acs-'));
  const unsigned = mustSign.filter((n) => !signed.has(n));
  if (unsigned.length > 0) return fail(simError('SignatureDoesNotMatch', `These headers must be signed: ${unsigned.sort().join(', ')}.`));
  const picked: Record<string, string> = {};
  for (const name of signed) {
    const value = req.headers[name];
    if (value === undefined) return fail(simError('SignatureDoesNotMatch', `Signed header ${name} is not in the request.`));
    if (name !== 'host' && name !== 'content-type' && !name.startsWith('x-acs-')) {
      return fail(simError('SignatureDoesNotMatch', `Signed header ${name} is not supported here: sign host, content-type and x-acs-* headers.`));
    }
    picked[name] = value;
  }
  const tokenError = checkToken(req.headers['x-acs-security-token'], ctx);
  if (tokenError) return fail(tokenError);
  const expected = signV3({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: picked,
    payloadHash,
    accessKeyId: auth.accessKeyId,
    accessKeySecret: ctx.credentials.accessKeySecret,
  });
  if (expected.signedHeaders !== auth.signedHeaders.join(';') || !sameText(expected.signature, auth.signature)) {
    return fail(simError('SignatureDoesNotMatch'));
  }
  if (!ctx.nonces.use(auth.accessKeyId, req.headers['x-acs-signature-nonce']!, ctx.now)) return fail(simError('SignatureNonceUsed'));
  return { ok: true, value: { accessKeyId: auth.accessKeyId } };
}

function authenticateV2(req: SimRequest, ctx: AuthContext): Outcome<{ accessKeyId: string }> {
  const params = requestParams(req);
  for (const name of ['Signature', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp']) {
    if (!params[name]) return fail(missingParameter(name));
  }
  if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') return fail(simError('InvalidParameter.SignatureMethod'));
  // Without Format=JSON the real API answers XML, which nothing here would parse.
  if ((params.Format ?? '').toUpperCase() !== 'JSON') return fail(simError('InvalidParameter.Format'));
  if (!sameText(params.AccessKeyId!, ctx.credentials.accessKeyId)) return fail(simError('InvalidAccessKeyId.NotFound'));
  const stale = checkTimestamp(params.Timestamp!, ctx.now);
  if (stale) return fail(stale);
  const tokenError = checkToken(params.SecurityToken, ctx);
  if (tokenError) return fail(tokenError);
  const expected = signV2({ method: req.method, params, accessKeySecret: ctx.credentials.accessKeySecret });
  if (!sameText(expected, params.Signature!)) return fail(simError('SignatureDoesNotMatch'));
  if (!ctx.nonces.use(params.AccessKeyId!, params.SignatureNonce!, ctx.now)) return fail(simError('SignatureNonceUsed'));
  return { ok: true, value: { accessKeyId: params.AccessKeyId! } };
}
