import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hostHeaderOf, signRequest, type SignRequestInput } from '../../src/aliyun/request-signer.js';
import { EMPTY_BODY_SHA256 } from '../../src/aliyun/sign-v3.js';
import { InvalidArgumentError } from '../../src/core/errors.js';

interface OpenApiUtil {
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
  getAuthorization(
    request: { method: string; pathname: string; query: Record<string, string>; headers: Record<string, string> },
    algorithm: string,
    payloadHex: string,
    accessKeyId: string,
    secret: string,
  ): string;
}
const OpenApiUtil = (createRequire(import.meta.url)('@alicloud/openapi-util') as { default: OpenApiUtil }).default;

const credentials = { accessKeyId: 'LTAI5tTestKeyId', accessKeySecret: 'test-secret-value' };
const sts = { ...credentials, securityToken: 'CAIS+token/with=chars' };
// 2024-03-05T06:07:08.999Z: the milliseconds must not reach the wire.
const now = Date.UTC(2024, 2, 5, 6, 7, 8, 999);
const base: SignRequestInput = {
  endpoint: 'http://127.0.0.1:8080',
  action: 'DescribeDomainRealTimeSrcTrafficData',
  params: { DomainName: 'www.example.com', StartTime: '2024-03-05T05:00:00Z', EndTime: '2024-03-05T06:00:00Z' },
  credentials,
  nonce: '0123456789abcdef0123456789abcdef',
  now,
};

/** Query of a signed path, decoded (the client encodes `+` as %2B, so URLSearchParams decodes it faithfully). */
function queryOf(path: string): Record<string, string> {
  const q = path.indexOf('?');
  return q < 0 ? {} : Object.fromEntries(new URLSearchParams(path.slice(q + 1)));
}

describe('signRequest V3 (default)', () => {
  it('POST / with the parameters in the query, empty body, the documented headers', () => {
    const req = signRequest(base);
    expect(req.method).toBe('POST');
    expect(req.body).toBe('');
    expect(req.path).toBe('/?DomainName=www.example.com&EndTime=2024-03-05T06%3A00%3A00Z&StartTime=2024-03-05T05%3A00%3A00Z');
    const { authorization, ...rest } = req.headers;
    expect(rest).toEqual({
      host: '127.0.0.1:8080',
      'x-acs-action': 'DescribeDomainRealTimeSrcTrafficData',
      'x-acs-version': '2018-05-10',
      'x-acs-date': '2024-03-05T06:07:08Z',
      'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
    });
    expect(authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tTestKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
  });

  it('agrees with @alicloud/openapi-util getAuthorization over the request as sent', () => {
    const req = signRequest(base);
    const { authorization, ...headers } = req.headers;
    const expected = OpenApiUtil.getAuthorization(
      { method: 'POST', pathname: '/', query: queryOf(req.path), headers },
      'ACS3-HMAC-SHA256',
      EMPTY_BODY_SHA256,
      credentials.accessKeyId,
      credentials.accessKeySecret,
    );
    expect(authorization).toBe(expected);
  });

  it('STS: x-acs-security-token is sent and signed', () => {
    const req = signRequest({ ...base, credentials: sts });
    expect(req.headers['x-acs-security-token']).toBe('CAIS+token/with=chars');
    expect(req.headers.authorization).toContain('SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,');
  });

  it('GET signs a different request than POST', () => {
    const post = signRequest(base);
    const get = signRequest({ ...base, method: 'GET' });
    expect(get.method).toBe('GET');
    expect(get.path).toBe(post.path);
    expect(get.headers.authorization).not.toBe(post.headers.authorization);
  });

  it('no parameters: path is /', () => {
    expect(signRequest({ ...base, params: {} }).path).toBe('/');
  });

  it('is deterministic for the same nonce and time, different for another nonce', () => {
    expect(signRequest(base)).toEqual(signRequest(base));
    expect(signRequest({ ...base, nonce: 'other' }).headers.authorization).not.toBe(signRequest(base).headers.authorization);
  });
});

describe('signRequest V2', () => {
  const v2 = { ...base, signatureVersion: 'v2' as const };

  it('common parameters and Signature in the query string, only host as header', () => {
    const req = signRequest(v2);
    expect(req.method).toBe('POST');
    expect(req.body).toBe('');
    expect(req.headers).toEqual({ host: '127.0.0.1:8080' });
    const { Signature, ...params } = queryOf(req.path);
    expect(params).toEqual({
      Action: 'DescribeDomainRealTimeSrcTrafficData',
      Version: '2018-05-10',
      Format: 'JSON',
      AccessKeyId: 'LTAI5tTestKeyId',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: '0123456789abcdef0123456789abcdef',
      Timestamp: '2024-03-05T06:07:08Z',
      DomainName: 'www.example.com',
      StartTime: '2024-03-05T05:00:00Z',
      EndTime: '2024-03-05T06:00:00Z',
    });
    expect(Signature).toBe(OpenApiUtil.getRPCSignature(params, 'POST', credentials.accessKeySecret));
  });

  it('GET: the method is part of the signature', () => {
    const req = signRequest({ ...v2, method: 'GET' });
    const { Signature, ...params } = queryOf(req.path);
    expect(Signature).toBe(OpenApiUtil.getRPCSignature(params, 'GET', credentials.accessKeySecret));
    expect(Signature).not.toBe(OpenApiUtil.getRPCSignature(params, 'POST', credentials.accessKeySecret));
  });

  it('STS: SecurityToken is a signed parameter', () => {
    const req = signRequest({ ...v2, credentials: sts });
    const { Signature, ...params } = queryOf(req.path);
    expect(params.SecurityToken).toBe('CAIS+token/with=chars');
    expect(Signature).toBe(OpenApiUtil.getRPCSignature(params, 'POST', credentials.accessKeySecret));
  });
});

describe('hostHeaderOf: signed exactly as sent', () => {
  it.each([
    { name: 'https default port omitted', endpoint: 'https://cdn.aliyuncs.com', host: 'cdn.aliyuncs.com' },
    { name: 'explicit :443 on https is the default', endpoint: 'https://cdn.aliyuncs.com:443', host: 'cdn.aliyuncs.com' },
    { name: 'non-default https port kept', endpoint: 'https://cdn.aliyuncs.com:8443', host: 'cdn.aliyuncs.com:8443' },
    { name: 'http simulator port kept', endpoint: 'http://127.0.0.1:39001', host: '127.0.0.1:39001' },
    { name: 'trailing slash ignored', endpoint: 'http://localhost:8080/', host: 'localhost:8080' },
  ])('$name', ({ endpoint, host }) => {
    expect(hostHeaderOf(endpoint)).toBe(host);
  });

  it.each([
    { name: 'not a URL', endpoint: 'cdn aliyuncs com' },
    { name: 'ftp scheme', endpoint: 'ftp://cdn.aliyuncs.com' },
  ])('refuses $name', ({ endpoint }) => {
    expect(() => hostHeaderOf(endpoint)).toThrow(InvalidArgumentError);
  });
});

describe('signRequest input checks', () => {
  it.each([
    { name: 'empty nonce', input: { ...base, nonce: '' } },
    { name: 'NaN time', input: { ...base, now: Number.NaN } },
    { name: 'unsupported method', input: { ...base, method: 'PUT' as 'GET' } },
  ])('$name -> CDN_ETL_INVALID_ARGUMENT', ({ input }) => {
    expect(() => signRequest(input)).toThrow(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });
});
