/**
 * RPC signature V2 (HMAC-SHA1, SignatureVersion=1.0). Pure: the caller supplies nonce and timestamp.
 * StringToSign = METHOD & %2F & percentEncode(canonical query of every parameter but Signature).
 */
import { createHmac } from 'node:crypto';
import { canonicalQuery, percentEncode } from './percent-encode.js';

export interface V2SignInput {
  readonly method: string;
  /** Every request parameter including the common ones, without `Signature`. */
  readonly params: Readonly<Record<string, string>>;
  readonly accessKeySecret: string;
}

export function v2StringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const { Signature: _ignored, ...rest } = params;
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(rest))}`;
}

export function signV2(input: V2SignInput): string {
  return createHmac('sha1', `${input.accessKeySecret}&`).update(v2StringToSign(input.method, input.params), 'utf8').digest('base64');
}

export interface V2CommonParams {
  readonly action: string;
  readonly version: string;
  readonly accessKeyId: string;
  readonly nonce: string;
  /** `YYYY-MM-DDThh:mm:ssZ`. */
  readonly timestamp: string;
  readonly securityToken?: string | undefined;
}

/** The common parameters of an RPC V2 request, merged with the action's own. */
export function v2Params(common: V2CommonParams, actionParams: Readonly<Record<string, string>>): Record<string, string> {
  const params: Record<string, string> = {
    ...actionParams,
    Action: common.action,
    Version: common.version,
    Format: 'JSON',
    AccessKeyId: common.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: common.nonce,
    Timestamp: common.timestamp,
  };
  if (common.securityToken) params.SecurityToken = common.securityToken;
  return params;
}
