/**
 * CdnClient transport behaviour against small real HTTP servers on free ports: what the simulator does not do
 * (oversized and non-JSON answers, gateways' HTML errors, body stalls, refused connections, aborts), plus
 * keep-alive reuse and the exact host header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CdnClient, type ApiCallEvent, type CdnClientOptions } from '../../src/aliyun/cdn-client.js';
import { ApiError } from '../../src/core/errors.js';

const credentials = { accessKeyId: 'LTAI5tTransportTest', accessKeySecret: 'transport-secret-value-42', securityToken: 'CAIS-transport-token-xyz' };
const Q = { domainName: 'x.transport.example', startTime: Date.UTC(2024, 0, 1, 0, 0), endTime: Date.UTC(2024, 0, 1, 1, 0) };

interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly connections: () => number;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

const open: { servers: TestServer[]; clients: CdnClient[] } = { servers: [], clients: [] };

afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  let connections = 0;
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const s: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.servers.push(s);
  return s;
}

function client(url: string, options: Partial<CdnClientOptions> = {}): CdnClient {
  const c = new CdnClient({ endpoint: url, credentials, ...options });
  open.clients.push(c);
  return c;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function apiErrorOf(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function summary(err: ApiError): { apiCode: string; kind: string; status: number | undefined } {
  return { apiCode: err.apiCode, kind: err.kind, status: err.status };
}

const okBody = {
  RequestId: 'REQ-1',
  DomainName: Q.domainName,
  StartTime: '2024-01-01T00:00:00Z',
  EndTime: '2024-01-01T01:00:00Z',
  DataInterval: '60',
  RealTimeSrcTrafficDataPerInterval: { DataModule: [{ TimeStamp: '2024-01-01T00:00:00Z', Value: '12' }] },
};

describe('CdnClient transport', () => {
  it('sends host exactly as signed (with :port), reuses one keep-alive connection', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    // One connection in the pool: without keep-alive, five calls would open five.
    const c = client(s.url, { connections: 1 });
    for (let i = 0; i < 5; i++) await c.describeDomainRealTimeSrcTrafficData(Q);
    expect(s.requests).toHaveLength(5);
    expect(s.requests.map((r) => r.headers.host)).toEqual(Array(5).fill(`127.0.0.1:${s.port}`));
    expect(s.requests.every((r) => r.method === 'POST' && r.url!.startsWith('/?DomainName=x.transport.example&EndTime='))).toBe(true);
    expect(new Set(s.requests.map((r) => r.headers['x-acs-signature-nonce'])).size).toBe(5);
    expect(s.requests[0]!.headers['x-acs-security-token']).toBe(credentials.securityToken);
    expect(s.connections()).toBe(1);
  });

  it('returns the fields as received; DataModule absent -> []', async () => {
    const s = await serve((_req, res) => json(res, 200, { RequestId: 'REQ-2', DomainName: Q.domainName, DataInterval: '300' }));
    const res = await client(s.url).describeDomainRealTimeSrcTrafficData(Q);
    expect(res).toEqual({ requestId: 'REQ-2', domainName: Q.domainName, startTime: undefined, endTime: undefined, dataInterval: '300', dataModule: [] });
  });

  it.each([
    {
      name: 'declared Content-Length over the limit -> Response.TooLarge',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 5000 });
        res.end('{' + ' '.repeat(4998) + '}');
      },
      expected: { apiCode: 'Response.TooLarge', kind: 'transient', status: undefined },
    },
    {
      name: 'chunked body growing over the limit -> Response.TooLarge',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"RequestId":"' + 'x'.repeat(900));
        res.write('y'.repeat(900));
        res.end('"}');
      },
      expected: { apiCode: 'Response.TooLarge', kind: 'transient', status: undefined },
    },
    {
      name: '200 with text/html -> Response.Unparsable',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(JSON.stringify(okBody));
      },
      expected: { apiCode: 'Response.Unparsable', kind: 'transient', status: 200 },
    },
    {
      name: '200 with JSON content type but broken JSON -> Response.Unparsable',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"RequestId":');
      },
      expected: { apiCode: 'Response.Unparsable', kind: 'transient', status: 200 },
    },
    {
      name: '200 with a JSON array -> Response.Unparsable',
      handler: (_req: IncomingMessage, res: ServerResponse) => json(res, 200, [okBody]),
      expected: { apiCode: 'Response.Unparsable', kind: 'transient', status: 200 },
    },
    {
      name: 'DataModule not a list -> Response.Unparsable',
      handler: (_req: IncomingMessage, res: ServerResponse) => json(res, 200, { ...okBody, RealTimeSrcTrafficDataPerInterval: { DataModule: { TimeStamp: 'x', Value: '1' } } }),
      expected: { apiCode: 'Response.Unparsable', kind: 'transient', status: 200 },
    },
    {
      name: 'gateway HTML 502 -> Http.502 transient',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>Bad Gateway</html>');
      },
      expected: { apiCode: 'Http.502', kind: 'transient', status: 502 },
    },
    {
      name: '503 without a Code but with x-acs-retry-after -> throttled',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(503, { 'x-acs-retry-after': '750' });
        res.end();
      },
      expected: { apiCode: 'Http.503', kind: 'throttled', status: 503 },
    },
    {
      name: 'body stalls after the headers -> Transport.Timeout',
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
        res.write('{"RequestId":');
      },
      expected: { apiCode: 'Transport.Timeout', kind: 'transient', status: undefined },
    },
  ])('$name', async ({ handler, expected }) => {
    const s = await serve(handler);
    const events: ApiCallEvent[] = [];
    const err = await apiErrorOf(client(s.url, { maxResponseBytes: 1024, bodyTimeoutMs: 300, onCall: (e) => events.push(e) }).describeDomainRealTimeSrcTrafficData(Q));
    expect(summary(err)).toEqual(expected);
    expect(events).toEqual([expect.objectContaining({ outcome: expected.kind, apiCode: expected.apiCode })]);
  });

  it('retry-after is carried as retryAfterMs', async () => {
    const s = await serve((_req, res) => json(res, 400, { RequestId: 'R', Code: 'Throttling.Api', Message: 'slow down' }, { 'x-acs-retry-after': '2500' }));
    const err = await apiErrorOf(client(s.url).describeUserDomains());
    expect({ ...summary(err), retryAfterMs: err.retryAfterMs, requestId: err.requestId }).toEqual({ apiCode: 'Throttling.Api', kind: 'throttled', status: 400, retryAfterMs: 2500, requestId: 'R' });
  });

  it('a server message echoing the string to sign, the secret and the token is scrubbed', async () => {
    const s = await serve((_req, res) =>
      json(res, 400, {
        RequestId: 'R-SIG',
        Code: 'SignatureDoesNotMatch',
        Message: `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecurityToken%3D${credentials.securityToken}`,
      }),
    );
    const err = await apiErrorOf(client(s.url, { signatureVersion: 'v2' }).describeUserDomains());
    expect(err.message).toBe('SignatureDoesNotMatch: DescribeUserDomains: Specified signature is not matched with our calculation. [string to sign removed] (HTTP 400, RequestId R-SIG)');
    const s2 = await serve((_req, res) => json(res, 403, { RequestId: 'R2', Code: 'Forbidden', Message: `key ${credentials.accessKeySecret} token ${credentials.securityToken}` }));
    const err2 = await apiErrorOf(client(s2.url).describeUserDomains());
    expect(err2.message).toBe('Forbidden: DescribeUserDomains: key [redacted] token [redacted] (HTTP 403, RequestId R2)');
    expect(err2.kind).toBe('permanent');
  });

  it('control characters from the API never reach an error or a domain name (issue 15, finding 7)', async () => {
    const s = await serve((_req, res) => json(res, 403, { RequestId: 'R\u001b[2J3', Code: 'Forbidden\u009b31m', Message: 'denied\u001b[31m red\ncdn-etl: forged line\r\u202eevil' }));
    const err = await apiErrorOf(client(s.url).describeUserDomains());
    expect(err.message).toBe('Forbidden31m: DescribeUserDomains: denied[31m red cdn-etl: forged line evil (HTTP 403, RequestId R[2J3)');
    expect([err.apiCode, err.requestId]).toEqual(['Forbidden31m', 'R[2J3']);
    const s2 = await serve((_req, res) =>
      json(res, 200, { RequestId: 'P1', TotalCount: 1, Domains: { PageData: [{ DomainName: 'a\u001b]0;pwned\u0007.example\nb', DomainStatus: 'on\u0000line', CdnType: 'web\u007f', Cname: 'c\u2028d' }] } }),
    );
    expect(await client(s2.url).describeUserDomains()).toEqual([{ domainName: 'a]0;pwned.example b', domainStatus: 'online', cdnType: 'web', cname: 'c d' }]);
  });

  it('connection refused -> Transport.Refused transient', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    const url = s.url;
    await s.close();
    const err = await apiErrorOf(client(url).describeDomainRealTimeSrcTrafficData(Q));
    expect(summary(err)).toEqual({ apiCode: 'Transport.Refused', kind: 'transient', status: undefined });
  });

  it('an AbortSignal stops a call in flight -> Transport.Aborted', async () => {
    const s = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = client(s.url).describeDomainRealTimeSrcTrafficData(Q, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await apiErrorOf(pending);
    expect(summary(err)).toEqual({ apiCode: 'Transport.Aborted', kind: 'transient', status: undefined });
  });

  it('an already aborted signal sends nothing', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    const events: ApiCallEvent[] = [];
    const err = await apiErrorOf(client(s.url, { onCall: (e) => events.push(e) }).describeDomainRealTimeSrcTrafficData(Q, { signal: AbortSignal.abort() }));
    expect(err.apiCode).toBe('Transport.Aborted');
    expect(s.requests).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('a closed client refuses calls without sending', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    const c = client(s.url);
    await c.close();
    await c.close();
    const err = await apiErrorOf(c.describeUserDomains());
    expect(summary(err)).toEqual({ apiCode: 'Client.Closed', kind: 'permanent', status: undefined });
    expect(s.requests).toHaveLength(0);
  });

  it('a throwing onCall subscriber does not fail the call', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    const res = await client(s.url, {
      onCall: () => {
        throw new Error('subscriber bug');
      },
    }).describeDomainRealTimeSrcTrafficData(Q);
    expect(res.requestId).toBe('REQ-1');
  });

  it('describeUserDomains stops at TotalCount and keeps a domain seen twice once', async () => {
    const s = await serve((req, res) => {
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('PageNumber'));
      const names = page === 1 ? Array.from({ length: 500 }, (_, i) => `p1-${i}.example`) : ['p1-499.example', 'p2-0.example'];
      json(res, 200, { RequestId: `P${page}`, PageNumber: page, PageSize: 500, TotalCount: 502, Domains: { PageData: names.map((n) => ({ DomainName: n, DomainStatus: 'online', CdnType: 'web', Cname: `${n}.w.kunlunsl.com` })) } });
    });
    const domains = await client(s.url).describeUserDomains();
    expect(domains).toHaveLength(501);
    expect(domains[500]).toEqual({ domainName: 'p2-0.example', domainStatus: 'online', cdnType: 'web', cname: 'p2-0.example.w.kunlunsl.com' });
    expect(s.requests.map((r) => new URL(r.url!, 'http://x').searchParams.get('PageNumber'))).toEqual(['1', '2']);
  });
});

describe('CdnClient options are validated before any I/O', () => {
  const base: CdnClientOptions = { endpoint: 'http://127.0.0.1:1', credentials };
  it.each([
    { name: 'ftp endpoint', options: { ...base, endpoint: 'ftp://cdn.aliyuncs.com' } },
    { name: 'endpoint with a path', options: { ...base, endpoint: 'https://cdn.aliyuncs.com/api' } },
    { name: 'endpoint with user info', options: { ...base, endpoint: 'https://u:p@cdn.aliyuncs.com' } },
    { name: 'empty secret', options: { ...base, credentials: { accessKeyId: 'id', accessKeySecret: '' } } },
    { name: 'token with a newline', options: { ...base, credentials: { ...credentials, securityToken: 'a\nb' } } },
    { name: 'zero connect timeout', options: { ...base, connectTimeoutMs: 0 } },
    { name: 'fractional body timeout', options: { ...base, bodyTimeoutMs: 1.5 } },
    { name: 'negative size limit', options: { ...base, maxResponseBytes: -1 } },
    { name: 'signature version v4', options: { ...base, signatureVersion: 'v4' as 'v3' } },
  ])('$name -> CDN_ETL_INVALID_ARGUMENT', ({ options }) => {
    expect(() => new CdnClient(options)).toThrow(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });

  it('a bare host name gets https', async () => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    // No scheme: https is assumed, so a plain-HTTP server cannot answer; the failure is a transport one.
    const err = await apiErrorOf(client(`127.0.0.1:${s.port}`, { connectTimeoutMs: 1000, headersTimeoutMs: 1000 }).describeUserDomains());
    expect(err.kind).toBe('transient');
    expect(err.apiCode.startsWith('Transport.')).toBe(true);
  });

  it.each([
    { name: 'startTime with milliseconds', q: { ...Q, startTime: Q.startTime + 1 } },
    { name: 'NaN endTime', q: { ...Q, endTime: Number.NaN } },
    { name: 'empty domain', q: { ...Q, domainName: ' ' } },
  ])('query: $name -> CDN_ETL_INVALID_ARGUMENT, nothing sent', async ({ q }) => {
    const s = await serve((_req, res) => json(res, 200, okBody));
    await expect(client(s.url).describeDomainRealTimeSrcTrafficData(q)).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT' });
    expect(s.requests).toHaveLength(0);
  });
});
