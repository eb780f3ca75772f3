import { describe, expect, it } from 'vitest';
import { canonicalQuery } from '../../src/aliyun/percent-encode.js';
import { signV2, v2Params } from '../../src/aliyun/sign-v2.js';
import { EMPTY_BODY_SHA256, sha256Hex, signV3 } from '../../src/aliyun/sign-v3.js';
import { toWireTime } from '../../src/aliyun/wire-time.js';
import { NonceCache } from '../../src/sim/nonce-cache.js';
import { authenticate, routeCall, type AuthContext } from '../../src/sim/request-auth.js';
import type { SimRequest } from '../../src/sim/sim-request.js';
import type { SimCredentials } from '../../src/sim/sim-types.js';

const NOW = Date.UTC(2026, 3, 1, 8, 0, 0);
const CREDS: SimCredentials = { accessKeyId: 'LTAItestkey', accessKeySecret: 'test-secret' };
const ACTIONS = new Set(['DescribeDomainRealTimeSrcTrafficData', 'DescribeUserDomains']);
const HOST = '127.0.0.1:8080';
const QUERY = { DomainName: 'a.example.com', StartTime: '2026-04-01T06:00:00Z', EndTime: '2026-04-01T07:00:00Z' };

interface V3Opts {
  secret?: string;
  accessKeyId?: string;
  date?: string;
  nonce?: string;
  signedHost?: string;
  sentHost?: string;
  body?: string;
  contentType?: string;
  declaredSha?: string;
  extraHeaders?: Record<string, string>;
  unsignedExtra?: Record<string, string>;
  authorization?: string;
  method?: string;
}

let nonceCounter = 0;
const freshNonce = (): string => `nonce-${++nonceCounter}`;

function v3Request(o: V3Opts = {}): SimRequest {
  const body = Buffer.from(o.body ?? '', 'utf8');
  const headers: Record<string, string> = {
    host: o.signedHost ?? HOST,
    'x-acs-action': 'DescribeDomainRealTimeSrcTrafficData',
    'x-acs-version': '2018-05-10',
    'x-acs-date': o.date ?? toWireTime(NOW),
    'x-acs-signature-nonce': o.nonce ?? freshNonce(),
    'x-acs-content-sha256': o.declaredSha ?? sha256Hex(body),
    ...(o.contentType ? { 'content-type': o.contentType } : {}),
    ...o.extraHeaders,
  };
  const sig = signV3({ method: o.method ?? 'POST', query: QUERY, headers, payloadHash: headers['x-acs-content-sha256']!, accessKeyId: o.accessKeyId ?? CREDS.accessKeyId, accessKeySecret: o.secret ?? CREDS.accessKeySecret });
  const sent = { ...headers, host: o.sentHost ?? headers.host!, ...o.unsignedExtra, authorization: o.authorization ?? sig.authorization, 'user-agent': 'test' };
  return { method: o.method ?? 'POST', path: '/', query: QUERY, form: {}, headers: sent, body };
}

interface V2Opts {
  secret?: string;
  timestamp?: string;
  nonce?: string;
  format?: string | undefined;
  signatureMethod?: string;
  inForm?: boolean;
  method?: string;
  token?: string;
}

function v2Request(o: V2Opts = {}): SimRequest {
  const params = v2Params(
    { action: 'DescribeDomainRealTimeSrcTrafficData', version: '2018-05-10', accessKeyId: CREDS.accessKeyId, nonce: o.nonce ?? freshNonce(), timestamp: o.timestamp ?? toWireTime(NOW), securityToken: o.token },
    QUERY,
  );
  if ('format' in o) {
    if (o.format === undefined) delete params.Format;
    else params.Format = o.format;
  }
  if (o.signatureMethod) params.SignatureMethod = o.signatureMethod;
  const method = o.method ?? 'GET';
  params.Signature = signV2({ method, params, accessKeySecret: o.secret ?? CREDS.accessKeySecret });
  if (o.inForm) {
    const body = Buffer.from(canonicalQuery(params));
    return { method, path: '/', query: {}, form: params, headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' }, body };
  }
  return { method, path: '/', query: params, form: {}, headers: { host: HOST }, body: Buffer.alloc(0) };
}

function check(req: SimRequest, ctx: Partial<AuthContext> = {}): string {
  const routed = routeCall(req, ACTIONS);
  if (!routed) return 'not-an-api-call';
  if (!routed.ok) return `${routed.error.code} ${routed.error.status}`;
  const result = authenticate(req, routed.value.scheme, { credentials: CREDS, nonces: new NonceCache(), now: NOW, ...ctx });
  return result.ok ? `ok ${routed.value.scheme}` : `${result.error.code} ${result.error.status}`;
}

describe('V3 authentication', () => {
  const cases: { name: string; req: () => SimRequest; ctx?: Partial<AuthContext>; expected: string }[] = [
    { name: 'a correctly signed POST', req: () => v3Request(), expected: 'ok v3' },
    { name: 'a correctly signed GET', req: () => v3Request({ method: 'GET' }), expected: 'ok v3' },
    { name: 'a form body signed through x-acs-content-sha256', req: () => v3Request({ body: 'PageSize=5', contentType: 'application/x-www-form-urlencoded' }), expected: 'ok v3' },
    { name: 'the official SDK extra header x-acs-credentials-provider, signed', req: () => v3Request({ extraHeaders: { 'x-acs-credentials-provider': 'static_ak' } }), expected: 'ok v3' },
    { name: 'a wrong secret', req: () => v3Request({ secret: 'other' }), expected: 'SignatureDoesNotMatch 400' },
    { name: 'an unknown access key', req: () => v3Request({ accessKeyId: 'LTAIunknown' }), expected: 'InvalidAccessKeyId.NotFound 404' },
    { name: 'a host header other than the signed one', req: () => v3Request({ signedHost: '127.0.0.1', sentHost: HOST }), expected: 'SignatureDoesNotMatch 400' },
    { name: 'x-acs-date with milliseconds', req: () => v3Request({ date: new Date(NOW).toISOString() }), expected: 'InvalidTimeStamp.Format 400' },
    { name: 'x-acs-date as an HTTP date', req: () => v3Request({ date: new Date(NOW).toUTCString() }), expected: 'InvalidTimeStamp.Format 400' },
    { name: 'a clock 16 minutes behind', req: () => v3Request({ date: toWireTime(NOW - 16 * 60_000) }), expected: 'InvalidTimeStamp.Expired 400' },
    { name: 'a clock 16 minutes ahead', req: () => v3Request({ date: toWireTime(NOW + 16 * 60_000) }), expected: 'InvalidTimeStamp.Expired 400' },
    { name: 'a clock 14 minutes behind', req: () => v3Request({ date: toWireTime(NOW - 14 * 60_000) }), expected: 'ok v3' },
    { name: 'a body that does not match x-acs-content-sha256', req: () => v3Request({ body: 'A=1', declaredSha: EMPTY_BODY_SHA256 }), expected: 'SignatureDoesNotMatch 400' },
    { name: 'an x-acs-* header left unsigned', req: () => v3Request({ unsignedExtra: { 'x-acs-extra': '1' } }), expected: 'SignatureDoesNotMatch 400' },
    { name: 'a malformed Authorization header', req: () => v3Request({ authorization: 'ACS3-HMAC-SHA256 Credential=x' }), expected: 'IncompleteSignature 400' },
    { name: 'another signature algorithm', req: () => v3Request({ authorization: 'ACS3-HMAC-SM3 Credential=x,SignedHeaders=host,Signature=00' }), expected: 'IncompleteSignature 400' },
    { name: 'a configured STS token that is not sent', req: () => v3Request(), ctx: { credentials: { ...CREDS, securityToken: 'tok' } }, expected: 'InvalidSecurityToken.MismatchWithAccessKey 400' },
    { name: 'a configured STS token, sent and signed', req: () => v3Request({ extraHeaders: { 'x-acs-security-token': 'tok' } }), ctx: { credentials: { ...CREDS, securityToken: 'tok' } }, expected: 'ok v3' },
    { name: 'an STS token when none is configured', req: () => v3Request({ extraHeaders: { 'x-acs-security-token': 'any' } }), expected: 'ok v3' },
  ];
  it.each(cases)('$name -> $expected', ({ req, ctx, expected }) => {
    expect(check(req(), ctx)).toBe(expected);
  });

  it('refuses a reused nonce, even with a valid signature', () => {
    const nonces = new NonceCache();
    const ctx = { credentials: CREDS, nonces, now: NOW };
    expect(authenticate(v3Request({ nonce: 'same' }), 'v3', ctx).ok).toBe(true);
    const again = authenticate(v3Request({ nonce: 'same' }), 'v3', ctx);
    expect(again.ok === false && again.error.code).toBe('SignatureNonceUsed');
  });

  it('does not spend the nonce of a request with a bad signature', () => {
    const nonces = new NonceCache();
    const ctx = { credentials: CREDS, nonces, now: NOW };
    expect(authenticate(v3Request({ nonce: 'n1', secret: 'bad' }), 'v3', ctx).ok).toBe(false);
    expect(authenticate(v3Request({ nonce: 'n1' }), 'v3', ctx).ok).toBe(true);
  });

  it('never echoes the secret or the signature in a message', () => {
    const req = v3Request({ secret: 'other' });
    const result = authenticate(req, 'v3', { credentials: CREDS, nonces: new NonceCache(), now: NOW });
    const message = result.ok ? '' : result.error.message;
    expect(message).not.toContain(CREDS.accessKeySecret);
    expect(message).not.toContain(req.headers.authorization!.split('Signature=')[1]!);
  });
});

describe('V2 authentication', () => {
  const cases: { name: string; req: () => SimRequest; ctx?: Partial<AuthContext>; expected: string }[] = [
    { name: 'a correctly signed GET', req: () => v2Request(), expected: 'ok v2' },
    { name: 'a correctly signed POST with a form body', req: () => v2Request({ method: 'POST', inForm: true }), expected: 'ok v2' },
    { name: 'Format=json in lower case (the official SDK)', req: () => v2Request({ format: 'json' }), expected: 'ok v2' },
    { name: 'a wrong secret', req: () => v2Request({ secret: 'other' }), expected: 'SignatureDoesNotMatch 400' },
    { name: 'a Timestamp with milliseconds', req: () => v2Request({ timestamp: new Date(NOW).toISOString() }), expected: 'InvalidTimeStamp.Format 400' },
    { name: 'a Timestamp 20 minutes old', req: () => v2Request({ timestamp: toWireTime(NOW - 20 * 60_000) }), expected: 'InvalidTimeStamp.Expired 400' },
    { name: 'no Format (the real API would answer XML)', req: () => v2Request({ format: undefined }), expected: 'InvalidParameter.Format 400' },
    { name: 'SignatureMethod HMAC-SHA256', req: () => v2Request({ signatureMethod: 'HMAC-SHA256' }), expected: 'InvalidParameter.SignatureMethod 400' },
    { name: 'a configured STS token, sent as SecurityToken', req: () => v2Request({ token: 'tok' }), ctx: { credentials: { ...CREDS, securityToken: 'tok' } }, expected: 'ok v2' },
    { name: 'a different STS token', req: () => v2Request({ token: 'other' }), ctx: { credentials: { ...CREDS, securityToken: 'tok' } }, expected: 'InvalidSecurityToken.MismatchWithAccessKey 400' },
  ];
  it.each(cases)('$name -> $expected', ({ req, ctx, expected }) => {
    expect(check(req(), ctx)).toBe(expected);
  });

  it('refuses a reused SignatureNonce', () => {
    const nonces = new NonceCache();
    const ctx = { credentials: CREDS, nonces, now: NOW };
    expect(authenticate(v2Request({ nonce: 'v2same' }), 'v2', ctx).ok).toBe(true);
    const again = authenticate(v2Request({ nonce: 'v2same' }), 'v2', ctx);
    expect(again.ok === false && again.error.code).toBe('SignatureNonceUsed');
  });
});

describe('routeCall', () => {
  const base: SimRequest = { method: 'GET', path: '/', query: {}, form: {}, headers: { host: HOST }, body: Buffer.alloc(0) };
  const cases: { name: string; req: SimRequest; expected: string }[] = [
    { name: 'a plain GET / is no API call', req: base, expected: 'not-an-api-call' },
    { name: 'an unknown action', req: { ...base, query: { Action: 'DeleteEverything', Version: '2018-05-10', Signature: 'x' } }, expected: 'InvalidAction.NotFound 404' },
    { name: 'another API version', req: { ...base, query: { Action: 'DescribeUserDomains', Version: '2014-11-11', Signature: 'x' } }, expected: 'InvalidAction.NotFound 404' },
    { name: 'a path other than /', req: { ...base, path: '/api', query: { Action: 'DescribeUserDomains', Version: '2018-05-10', Signature: 'x' } }, expected: 'InvalidAction.NotFound 404' },
    { name: 'a PUT', req: { ...base, method: 'PUT', query: { Action: 'DescribeUserDomains', Version: '2018-05-10', Signature: 'x' } }, expected: 'InvalidAction.NotFound 404' },
    { name: 'V3 without x-acs-action', req: { ...base, headers: { host: HOST, authorization: 'ACS3-HMAC-SHA256 x' } }, expected: 'MissingParameter 400' },
    { name: 'V2 without Version', req: { ...base, query: { Action: 'DescribeUserDomains', Signature: 'x' } }, expected: 'MissingParameter 400' },
    { name: 'an Action without any signature', req: { ...base, query: { Action: 'DescribeUserDomains', Version: '2018-05-10' } }, expected: 'MissingParameter 400' },
  ];
  it.each(cases)('$name -> $expected', ({ req, expected }) => {
    expect(check(req)).toBe(expected);
  });
});

describe('NonceCache', () => {
  it('forgets a nonce after its retention and keeps keys apart', () => {
    const cache = new NonceCache(1000);
    expect(cache.use('k1', 'n', 0)).toBe(true);
    expect(cache.use('k2', 'n', 10)).toBe(true);
    expect(cache.use('k1', 'n', 999)).toBe(false);
    expect(cache.use('k1', 'n', 1000)).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.use('k3', 'm', 1010)).toBe(true);
    expect(cache.size).toBe(2);
  });
});
