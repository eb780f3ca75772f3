/**
 * The project's V2 and V3 signers against the official @alicloud/openapi-util implementation on many random
 * requests, offline. Every case has its own seed (printed on failure) so one case can be replayed alone.
 *
 * Known divergence, kept out of the random space on purpose: openapi-util's V3 canonical query does not
 * percent-encode parameter NAMES (only values); the V3 specification encodes both, and so do we. Real parameter
 * names are ASCII letters, digits and dots, where both agree, so V3 names are drawn from the unreserved set.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/sim/fault-injector.js';
import { signRequest } from '../../src/aliyun/request-signer.js';
import { signV2 } from '../../src/aliyun/sign-v2.js';
import { sha256Hex, signV3 } from '../../src/aliyun/sign-v3.js';

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

const CASES = 1000;
const BASE_SEED = 0x5eed_2024;

const ASCII_TRICKY = [' ', '*', '~', '!', "'", '(', ')', '+', '/', '=', '&', '%', '?', '#', ':', ',', ';', '-', '_', '.', '"', '<', '>', '[', ']', '@', '$'];
const UNICODE = ['é', 'ß', '域', '名', '流量', 'Ω', '😀', '𝄞', '\u00a0', 'ü', '中文', 'ﬁ'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UNRESERVED = `${ALNUM}-_.~`;

function pick<T>(r: () => number, items: readonly T[] | string): T {
  return items[Math.floor(r() * items.length)] as T;
}

function randomString(r: () => number, maxLen: number, unicode: boolean): string {
  const len = Math.floor(r() * (maxLen + 1));
  let s = '';
  for (let i = 0; i < len; i++) {
    const roll = r();
    if (roll < 0.55) s += pick(r, ALNUM);
    else if (roll < 0.85 || !unicode) s += pick(r, ASCII_TRICKY);
    else s += pick(r, UNICODE);
  }
  return s;
}

function randomName(r: () => number, alphabet: string): string {
  let s = pick<string>(r, ALNUM.slice(0, 52));
  const len = Math.floor(r() * 12);
  for (let i = 0; i < len; i++) s += pick(r, alphabet);
  return s;
}

function randomParams(r: () => number, names: () => string, count: number): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < count; i++) params[names()] = r() < 0.1 ? '' : randomString(r, 24, true);
  return params;
}

function randomToken(r: () => number): string {
  const alphabet = `${ALNUM}+/=`;
  let s = 'CAIS';
  const len = 20 + Math.floor(r() * 200);
  for (let i = 0; i < len; i++) s += pick(r, alphabet);
  return s;
}

function randomHeaderValue(r: () => number): string {
  // HTTP header values are visible ASCII plus spaces; leading/trailing spaces are trimmed by both signers.
  let s = r() < 0.3 ? '  ' : '';
  const len = 1 + Math.floor(r() * 30);
  for (let i = 0; i < len; i++) s += String.fromCharCode(0x20 + Math.floor(r() * 95));
  return r() < 0.3 ? `${s} ` : s;
}

function randomCase(r: () => number, name: string): string {
  return [...name].map((c) => (r() < 0.3 ? c.toUpperCase() : c)).join('');
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];

describe(`V2 signer vs openapi-util getRPCSignature (${CASES} random requests)`, () => {
  it('agrees on every case', () => {
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + i;
      const r = seededRandom(seed);
      const secret = randomString(r, 40, true) || 's';
      const params = randomParams(r, () => (r() < 0.5 ? randomName(r, ALNUM + '.') : randomString(r, 10, true) || 'k'), 1 + Math.floor(r() * 10));
      params.AccessKeyId = randomName(r, ALNUM);
      params.SignatureNonce = randomName(r, ALNUM);
      if (r() < 0.5) params.SecurityToken = randomToken(r);
      const method = pick(r, METHODS);
      const ours = signV2({ method, params, accessKeySecret: secret });
      const theirs = OpenApiUtil.getRPCSignature(params, method, secret);
      expect(ours, `seed ${seed} (case ${i}): ${JSON.stringify({ method, params })}`).toBe(theirs);
    }
  });
});

describe(`V3 signer vs openapi-util getAuthorization (${CASES} random requests)`, () => {
  it('agrees on every case', () => {
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + 100_000 + i;
      const r = seededRandom(seed);
      const accessKeyId = randomName(r, ALNUM);
      const secret = randomString(r, 40, true) || 's';
      const query = randomParams(r, () => randomName(r, UNRESERVED), Math.floor(r() * 10));
      const body = r() < 0.5 ? '' : randomString(r, 64, true);
      const payloadHash = sha256Hex(body);
      const headers: Record<string, string> = {
        [randomCase(r, 'host')]: `${randomName(r, ALNUM + '.-')}${r() < 0.5 ? `:${1 + Math.floor(r() * 65535)}` : ''}`,
        [randomCase(r, 'x-acs-action')]: randomName(r, ALNUM),
        [randomCase(r, 'x-acs-version')]: '2018-05-10',
        [randomCase(r, 'x-acs-date')]: new Date(Math.floor(r() * 4e12 / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        [randomCase(r, 'x-acs-signature-nonce')]: randomName(r, ALNUM),
        [randomCase(r, 'x-acs-content-sha256')]: payloadHash,
      };
      if (r() < 0.5) headers[randomCase(r, 'x-acs-security-token')] = randomToken(r);
      if (r() < 0.3) headers[randomCase(r, 'content-type')] = pick(r, ['application/json', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-8']);
      if (r() < 0.5) headers[randomCase(r, `x-acs-${randomName(r, 'abcdefghijklmnopqrstuvwxyz-').toLowerCase()}`)] = randomHeaderValue(r);
      if (r() < 0.5) headers[randomCase(r, 'user-agent')] = randomHeaderValue(r); // not signed by either
      const method = pick(r, METHODS);
      const ours = signV3({ method, path: '/', query, headers, payloadHash, accessKeyId, accessKeySecret: secret }).authorization;
      const theirs = OpenApiUtil.getAuthorization({ method, pathname: '/', query, headers }, 'ACS3-HMAC-SHA256', payloadHash, accessKeyId, secret);
      expect(ours, `seed ${seed} (case ${i}): ${JSON.stringify({ method, query, headers })}`).toBe(theirs);
    }
  });
});

describe(`request-signer end to end vs openapi-util (${CASES} random requests each)`, () => {
  function decodeQuery(path: string): Record<string, string> {
    const q = path.indexOf('?');
    return q < 0 ? {} : Object.fromEntries(new URLSearchParams(path.slice(q + 1)));
  }

  it('V3: the Authorization sent matches getAuthorization over the query and headers as sent', () => {
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + 200_000 + i;
      const r = seededRandom(seed);
      const credentials = { accessKeyId: randomName(r, ALNUM), accessKeySecret: randomString(r, 40, false) || 's', securityToken: r() < 0.5 ? randomToken(r) : undefined };
      const params = randomParams(r, () => randomName(r, ALNUM + '.'), Math.floor(r() * 6));
      const method = pick(r, ['GET', 'POST'] as const);
      const endpoint = `${pick(r, ['http', 'https'])}://${randomName(r, 'abcdefghij')}.example.com${r() < 0.5 ? `:${1 + Math.floor(r() * 65535)}` : ''}`;
      const req = signRequest({ endpoint, action: randomName(r, ALNUM), params, credentials, method, nonce: randomName(r, ALNUM), now: Math.floor(r() * 4e12) });
      const { authorization, ...headers } = req.headers;
      const theirs = OpenApiUtil.getAuthorization({ method, pathname: '/', query: decodeQuery(req.path), headers }, 'ACS3-HMAC-SHA256', sha256Hex(''), credentials.accessKeyId, credentials.accessKeySecret);
      expect(authorization, `seed ${seed} (case ${i}): ${JSON.stringify({ endpoint, method, params })}`).toBe(theirs);
    }
  });

  it('V2: the Signature sent matches getRPCSignature over the other parameters as sent', () => {
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + 300_000 + i;
      const r = seededRandom(seed);
      const credentials = { accessKeyId: randomName(r, ALNUM), accessKeySecret: randomString(r, 40, false) || 's', securityToken: r() < 0.5 ? randomToken(r) : undefined };
      const params = randomParams(r, () => randomName(r, ALNUM + '.'), Math.floor(r() * 6));
      const method = pick(r, ['GET', 'POST'] as const);
      const req = signRequest({ endpoint: 'https://cdn.aliyuncs.com', action: randomName(r, ALNUM), params, credentials, method, signatureVersion: 'v2', nonce: randomName(r, ALNUM), now: Math.floor(r() * 4e12) });
      const { Signature, ...sent } = decodeQuery(req.path);
      expect(Signature, `seed ${seed} (case ${i}): ${JSON.stringify({ method, params })}`).toBe(OpenApiUtil.getRPCSignature(sent, method, credentials.accessKeySecret));
      expect(sent.Timestamp, `seed ${seed}`).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
  });
});
