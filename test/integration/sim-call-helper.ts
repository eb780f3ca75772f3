/**
 * Test helper: one signed call to the simulator over a fresh connection, built with the project's
 * own signers, with knobs to break each part of the request on purpose.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { canonicalQuery } from '../../src/aliyun/percent-encode.js';
import { signV2, v2Params } from '../../src/aliyun/sign-v2.js';
import { sha256Hex, signV3 } from '../../src/aliyun/sign-v3.js';
import { toWireTime } from '../../src/aliyun/wire-time.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';

export interface CallOptions {
  action?: string;
  params?: Record<string, string>;
  scheme?: 'v3' | 'v2';
  method?: 'GET' | 'POST';
  /** Send the action's parameters in a form-urlencoded body instead of the query string. */
  form?: boolean;
  accessKeyId?: string;
  accessKeySecret?: string;
  timestamp?: string;
  nonce?: string;
  /** Sign this host header but send the real one. */
  signedHost?: string;
  timeoutMs?: number;
}

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Bytes received (may be fewer than Content-Length when the body was cut). */
  bytes: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function call(baseUrl: string, o: CallOptions = {}): Promise<CallResult> {
  const url = new URL(baseUrl);
  const host = url.host;
  const method = o.method ?? 'POST';
  const action = o.action ?? 'DescribeDomainRealTimeSrcTrafficData';
  const accessKeyId = o.accessKeyId ?? DEMO_CREDENTIALS.accessKeyId;
  const secret = o.accessKeySecret ?? DEMO_CREDENTIALS.accessKeySecret;
  const timestamp = o.timestamp ?? toWireTime(Date.now());
  const nonce = o.nonce ?? randomUUID();
  const actionParams = o.params ?? {};
  let query: Record<string, string> = {};
  let body = '';
  const headers: Record<string, string> = {};

  if ((o.scheme ?? 'v3') === 'v3') {
    if (o.form) body = canonicalQuery(actionParams);
    else query = actionParams;
    Object.assign(headers, {
      host: o.signedHost ?? host,
      'x-acs-action': action,
      'x-acs-version': '2018-05-10',
      'x-acs-date': timestamp,
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': sha256Hex(body),
      ...(o.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    });
    const signed = signV3({ method, query, headers, payloadHash: headers['x-acs-content-sha256']!, accessKeyId, accessKeySecret: secret });
    headers.authorization = signed.authorization;
    headers.host = host;
  } else {
    const params = v2Params({ action, version: '2018-05-10', accessKeyId, nonce, timestamp }, actionParams);
    params.Signature = signV2({ method, params, accessKeySecret: secret });
    if (o.form) {
      body = canonicalQuery(params);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      query = params;
    }
    headers.host = host;
  }
  const qs = canonicalQuery(query);
  return raw(baseUrl, { method, path: qs ? `/?${qs}` : '/', headers, body, timeoutMs: o.timeoutMs ?? 10_000 });
}

export function raw(baseUrl: string, o: { method: string; path: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<CallResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: o.method, path: o.path, headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body ?? '')) }, agent: false, timeout: o.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks).length, text, json });
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', finish);
        // A body cut short ends with 'aborted'/'error' or 'close' before 'end': report what arrived.
        res.on('error', finish);
        res.on('close', finish);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
    req.end(o.body ?? '');
  });
}
