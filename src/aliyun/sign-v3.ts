/**
 * Signature V3 (ACS3-HMAC-SHA256). Pure: the caller supplies every header, nonce and date included.
 * CanonicalRequest = METHOD \n path \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload.
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalQuery, compareBytes } from './percent-encode.js';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface V3SignInput {
  readonly method: string;
  /** Request path, `/` for RPC-style APIs. */
  readonly path?: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in any case; `host`, every `x-acs-*` and `content-type` are signed. */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body; the `x-acs-content-sha256` header value. */
  readonly payloadHash: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface V3Signature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** The value of the `Authorization` header. */
  readonly authorization: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function isSignedHeader(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

export function signV3(input: V3SignInput): V3Signature {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    if (isSignedHeader(lower)) headers.set(lower, value.trim());
  }
  const names = [...headers.keys()].sort(compareBytes);
  const canonicalHeaders = names.map((n) => `${n}:${headers.get(n)}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path ?? '/',
    canonicalQuery(input.query),
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', input.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signedHeaders,
    signature,
    authorization: `${V3_ALGORITHM} Credential=${input.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`,
  };
}

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header; undefined if malformed. */
export function parseV3Authorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const m = /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return undefined;
  return { accessKeyId: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! };
}
