/**
 * CdnClient against the local simulator over real HTTP: successes, every error of the seed's table with the right
 * kind, injected faults, both signature versions, STS, and no secret in any message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CdnClient, type ApiCallEvent, type CdnClientOptions } from '../../src/aliyun/cdn-client.js';
import { toWireTime } from '../../src/aliyun/wire-time.js';
import { ApiError } from '../../src/core/errors.js';
import {
  DEMO_CREDENTIALS,
  slotValue,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/sim/simulator.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Data clock of every simulator here; signatures use the real clock. */
const NOW = Date.UTC(2024, 5, 10, 12, 0, 0);
const START = NOW - 3 * HOUR;
const END = NOW - 2 * HOUR;
const SECRET = DEMO_CREDENTIALS.accessKeySecret;
const TOKEN = 'CAIS-sts-token-for-tests-0123456789';

const DOMAINS: SimulatorOptions['domains'] = [
  { name: 'a.client-test.example' },
  { name: 'b.client-test.example' },
  { name: 'offline.client-test.example', status: 'offline' },
  { name: 'configuring.client-test.example', status: 'configuring' },
  { name: 'failed.client-test.example', status: 'configure_failed' },
  { name: 'checkfailed.client-test.example', status: 'check_failed' },
];

const open: { sims: RunningSimulator[]; clients: CdnClient[] } = { sims: [], clients: [] };

afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.sims.splice(0).map((s) => s.close()));
});

async function sim(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  // A high quota unless a test is about the quota: the tests must not throttle themselves.
  const s = await startSimulator({ now: () => NOW, domains: DOMAINS, qps: 1000, ...options });
  open.sims.push(s);
  return s;
}

function client(s: RunningSimulator, options: Partial<CdnClientOptions> = {}): CdnClient {
  const c = new CdnClient({ endpoint: s.url, credentials: DEMO_CREDENTIALS, ...options });
  open.clients.push(c);
  return c;
}

/** The ApiError a promise rejects with; fails the test if it resolves or throws anything else. */
async function apiErrorOf(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function expectNoSecrets(err: ApiError, ...secrets: string[]): void {
  const text = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}\n${String((err.cause as Error | undefined)?.message ?? '')}`;
  for (const s of secrets) expect(text).not.toContain(s);
}

function expectedSeries(domains: readonly string[], start: number, end: number, intervalS: number): { TimeStamp: string; Value: string }[] {
  const out: { TimeStamp: string; Value: string }[] = [];
  for (let t = start; t <= end; t += intervalS * 1000) {
    const sum = domains.reduce((acc, d) => acc + slotValue(d, intervalS, t, NOW), 0);
    out.push({ TimeStamp: toWireTime(t), Value: String(sum) });
  }
  return out;
}

describe('CdnClient success against the simulator', () => {
  it.each([
    { name: 'V3 POST', signatureVersion: 'v3' as const, httpMethod: 'POST' as const },
    { name: 'V3 GET', signatureVersion: 'v3' as const, httpMethod: 'GET' as const },
    { name: 'V2 POST', signatureVersion: 'v2' as const, httpMethod: 'POST' as const },
    { name: 'V2 GET', signatureVersion: 'v2' as const, httpMethod: 'GET' as const },
  ])('one domain, one hour of 1-minute slots, end inclusive ($name)', async ({ signatureVersion, httpMethod }) => {
    const s = await sim();
    const events: ApiCallEvent[] = [];
    const c = client(s, { signatureVersion, httpMethod, onCall: (e) => events.push(e) });
    const res = await c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: START, endTime: END });
    expect(res.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.domainName).toBe('a.client-test.example');
    expect(res.startTime).toBe(toWireTime(START));
    expect(res.endTime).toBe(toWireTime(END));
    expect(res.dataInterval).toBe('60');
    expect(res.dataModule).toHaveLength(61);
    expect(res.dataModule).toEqual(expectedSeries(['a.client-test.example'], START, END, 60));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'DescribeDomainRealTimeSrcTrafficData', domain: 'a.client-test.example', outcome: 'ok', status: 200 });
    expect(s.stats().calls).toBe(1);
  });

  it('a comma-joined set comes back as one merged (summed) series', async () => {
    const s = await sim();
    const c = client(s);
    const res = await c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example,b.client-test.example', startTime: START, endTime: END });
    expect(res.domainName).toBe('a.client-test.example,b.client-test.example');
    expect(res.dataModule).toEqual(expectedSeries(['a.client-test.example', 'b.client-test.example'], START, END, 60));
    expect(s.stats().callsByDomain).toEqual({ 'a.client-test.example': 1, 'b.client-test.example': 1 });
  });

  it('a span over an hour returns 5-minute slots', async () => {
    const s = await sim();
    const c = client(s);
    const res = await c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: NOW - 2 * DAY, endTime: NOW - DAY });
    expect(res.dataInterval).toBe('300');
    expect(res.dataModule).toEqual(expectedSeries(['a.client-test.example'], NOW - 2 * DAY, NOW - DAY, 300));
  });

  it('STS token passes through (V3 header and V2 parameter)', async () => {
    const s = await sim({ credentials: { ...DEMO_CREDENTIALS, securityToken: TOKEN } });
    for (const signatureVersion of ['v3', 'v2'] as const) {
      const c = client(s, { signatureVersion, credentials: { ...DEMO_CREDENTIALS, securityToken: TOKEN } });
      const res = await c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: START, endTime: END });
      expect(res.dataModule).toHaveLength(61);
    }
    // Without the token the simulator (which requires this one) refuses: proof the token was really sent.
    const err = await apiErrorOf(client(s).describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: START, endTime: END }));
    expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'InvalidSecurityToken.MismatchWithAccessKey', kind: 'permanent', status: 400 });
  });

  it('a fresh nonce and timestamp on every call: 30 calls in a row all pass', async () => {
    const s = await sim();
    const c = client(s);
    for (let i = 0; i < 30; i++) {
      const res = await c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: START, endTime: END });
      expect(res.dataModule).toHaveLength(61);
    }
    expect(s.stats().calls).toBe(30);
  });

  it('describeUserDomains fetches every page of 500', async () => {
    const many = Array.from({ length: 1203 }, (_, i) => ({ name: `d${String(i).padStart(4, '0')}.pages.example`, status: i % 7 === 0 ? ('offline' as const) : ('online' as const) }));
    const s = await sim({ domains: many });
    const events: ApiCallEvent[] = [];
    const c = client(s, { onCall: (e) => events.push(e) });
    const domains = await c.describeUserDomains();
    expect(domains).toHaveLength(1203);
    expect(domains.map((d) => d.domainName)).toEqual(many.map((d) => d.name));
    expect(domains.filter((d) => d.domainStatus === 'offline')).toHaveLength(172);
    expect(s.stats().callsByAction).toEqual({ DescribeUserDomains: 3 });
    expect(events.map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
  });

  it('describeUserDomains with the default domains, V2', async () => {
    const s = await sim({ domains: undefined });
    const c = client(s, { signatureVersion: 'v2' });
    const domains = await c.describeUserDomains();
    expect(domains.map((d) => [d.domainName, d.domainStatus])).toEqual([
      ['www.example.com', 'online'],
      ['img.example.com', 'online'],
      ['video.example.com', 'online'],
      ['old.example.com', 'offline'],
    ]);
  });
});

describe('CdnClient errors of the seed table arrive with the right kind', () => {
  const T = { startTime: START, endTime: END };
  const cases: {
    name: string;
    sim?: SimulatorOptions;
    call: (c: CdnClient) => Promise<unknown>;
    expected: { apiCode: string; kind: string; status: number };
  }[] = [
    { name: 'unknown domain', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'nope.client-test.example', ...T }), expected: { apiCode: 'InvalidDomain.NotFound', kind: 'permanent', status: 404 } },
    { name: 'offline domain', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'offline.client-test.example', ...T }), expected: { apiCode: 'InvalidDomain.Offline', kind: 'permanent', status: 404 } },
    { name: 'configuring domain (ServiceBusy)', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'configuring.client-test.example', ...T }), expected: { apiCode: 'ServiceBusy', kind: 'transient', status: 403 } },
    { name: 'configure_failed domain', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'failed.client-test.example', ...T }), expected: { apiCode: 'InvalidDomain.Configure_failed', kind: 'permanent', status: 500 } },
    { name: 'illegal domain', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'checkfailed.client-test.example', ...T }), expected: { apiCode: 'IllegalOperation', kind: 'permanent', status: 403 } },
    { name: 'CDN not opened', sim: { account: 'not-opened' }, call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', ...T }), expected: { apiCode: 'OperationDenied', kind: 'permanent', status: 403 } },
    { name: 'CDN suspended', sim: { account: 'suspended' }, call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', ...T }), expected: { apiCode: 'OperationDenied', kind: 'permanent', status: 403 } },
    {
      name: 'StartTime without EndTime',
      call: (c) => c.call('DescribeDomainRealTimeSrcTrafficData', { DomainName: 'a.client-test.example', StartTime: toWireTime(START) }),
      expected: { apiCode: 'MissingParameter', kind: 'permanent', status: 400 },
    },
    {
      name: 'malformed StartTime (milliseconds)',
      call: (c) => c.call('DescribeDomainRealTimeSrcTrafficData', { DomainName: 'a.client-test.example', StartTime: new Date(START).toISOString(), EndTime: toWireTime(END) }),
      expected: { apiCode: 'InvalidStartTime.Malformed', kind: 'permanent', status: 400 },
    },
    {
      name: 'malformed EndTime',
      call: (c) => c.call('DescribeDomainRealTimeSrcTrafficData', { DomainName: 'a.client-test.example', StartTime: toWireTime(START), EndTime: '2024-06-10 10:00' }),
      expected: { apiCode: 'InvalidEndTime.Malformed', kind: 'permanent', status: 400 },
    },
    { name: 'EndTime before StartTime', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: END, endTime: START }), expected: { apiCode: 'InvalidEndTime.Mismatch', kind: 'permanent', status: 400 } },
    { name: 'span over the 31-day limit', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: NOW - 40 * DAY, endTime: NOW - 8 * HOUR }), expected: { apiCode: 'InvalidStartTime.ValueNotSupported', kind: 'permanent', status: 400 } },
    { name: '1-minute span beyond the 7-day horizon', call: (c) => c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: NOW - 8 * DAY, endTime: NOW - 8 * DAY + HOUR }), expected: { apiCode: 'InvalidStartTime.ValueNotSupported', kind: 'permanent', status: 400 } },
  ];

  for (const signatureVersion of ['v3', 'v2'] as const) {
    it.each(cases)(`$name (${signatureVersion})`, async ({ sim: simOptions, call, expected }) => {
      const s = await sim(simOptions);
      const events: ApiCallEvent[] = [];
      const c = client(s, { signatureVersion, onCall: (e) => events.push(e) });
      const err = await apiErrorOf(call(c));
      expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual(expected);
      expect(err.code).toBe('CDN_ETL_API');
      expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
      expect(err.retryAfterMs).toBeUndefined();
      expect(events).toEqual([expect.objectContaining({ outcome: expected.kind, apiCode: expected.apiCode, status: expected.status })]);
      expectNoSecrets(err, SECRET);
    });
  }
});

describe('CdnClient authentication failures are permanent', () => {
  for (const signatureVersion of ['v3', 'v2'] as const) {
    it(`wrong secret -> SignatureDoesNotMatch (${signatureVersion})`, async () => {
      const s = await sim();
      const wrong = 'wrong-secret-0123456789';
      const c = client(s, { signatureVersion, credentials: { accessKeyId: DEMO_CREDENTIALS.accessKeyId, accessKeySecret: wrong, securityToken: TOKEN } });
      const err = await apiErrorOf(c.describeDomainRealTimeSrcTrafficData({ domainName: 'a.client-test.example', startTime: START, endTime: END }));
      expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'SignatureDoesNotMatch', kind: 'permanent', status: 400 });
      expectNoSecrets(err, wrong, SECRET, TOKEN);
    });

    it(`unknown access key -> InvalidAccessKeyId.NotFound (${signatureVersion})`, async () => {
      const s = await sim();
      const c = client(s, { signatureVersion, credentials: { accessKeyId: 'LTAI5tNoSuchKey', accessKeySecret: SECRET } });
      const err = await apiErrorOf(c.describeUserDomains());
      expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'InvalidAccessKeyId.NotFound', kind: 'permanent', status: 404 });
      expectNoSecrets(err, SECRET);
    });

    it(`a clock 20 minutes off -> InvalidTimeStamp.Expired (${signatureVersion})`, async () => {
      const s = await sim();
      const c = client(s, { signatureVersion, clock: () => Date.now() - 20 * MINUTE });
      const err = await apiErrorOf(c.describeUserDomains());
      expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'InvalidTimeStamp.Expired', kind: 'permanent', status: 400 });
    });

    it(`a reused nonce -> SignatureNonceUsed (${signatureVersion})`, async () => {
      const s = await sim();
      const c = client(s, { signatureVersion, nonce: () => `fixed-nonce-${signatureVersion}` });
      await c.describeUserDomains();
      const err = await apiErrorOf(c.describeUserDomains());
      expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'SignatureNonceUsed', kind: 'permanent', status: 400 });
    });
  }
});

describe('CdnClient injected faults', () => {
  const Q = { domainName: 'a.client-test.example', startTime: START, endTime: END };

  it('throttling (gateway style: 400 Throttling.User with x-acs-retry-after) -> throttled with retryAfterMs', async () => {
    const s = await sim({ faults: { throttleRate: 1 }, throttle: { status: 400, code: 'Throttling.User', retryAfterMs: 1500 } });
    const err = await apiErrorOf(client(s).describeDomainRealTimeSrcTrafficData(Q));
    expect({ apiCode: err.apiCode, kind: err.kind, status: err.status, retryAfterMs: err.retryAfterMs }).toEqual({ apiCode: 'Throttling.User', kind: 'throttled', status: 400, retryAfterMs: 1500 });
  });

  it('throttling (seed style: 503 Throttling, no retry-after) -> throttled', async () => {
    const s = await sim({ faults: { throttleRate: 1 }, throttle: { status: 503, code: 'Throttling' } });
    const err = await apiErrorOf(client(s, { signatureVersion: 'v2' }).describeDomainRealTimeSrcTrafficData(Q));
    expect({ apiCode: err.apiCode, kind: err.kind, status: err.status, retryAfterMs: err.retryAfterMs }).toEqual({ apiCode: 'Throttling', kind: 'throttled', status: 503, retryAfterMs: undefined });
  });

  it('the real quota: 6 concurrent calls against qps 2 -> every answer ok or throttled, and at least 2 throttled', async () => {
    const s = await sim({ qps: 2 });
    const c = client(s, { connections: 6 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => c.describeDomainRealTimeSrcTrafficData(Q)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const throttled = results.filter((r) => r.status === 'rejected' && r.reason instanceof ApiError && r.reason.kind === 'throttled').length;
    expect(ok + throttled).toBe(6);
    // 6 arrivals span at most two calendar seconds: at most 4 accepted.
    expect(ok).toBeLessThanOrEqual(4);
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(s.stats().throttled).toBe(throttled);
  });

  it.each([
    { name: 'ServiceBusy', faults: { serviceBusyRate: 1 }, expected: { apiCode: 'ServiceBusy', kind: 'transient', status: 403 } },
    { name: '5xx (seed 1: InternalError or ServiceUnavailable)', faults: { serverErrorRate: 1 }, expected: { kind: 'transient' } },
    { name: 'connection reset', faults: { resetRate: 1 }, expected: { apiCode: 'Transport.Reset', kind: 'transient', status: undefined } },
    { name: 'truncated body', faults: { truncateRate: 1 }, expected: { apiCode: 'Response.Truncated', kind: 'transient', status: undefined } },
  ])('$name -> transient', async ({ faults, expected }) => {
    const s = await sim({ faults });
    const events: ApiCallEvent[] = [];
    const err = await apiErrorOf(client(s, { onCall: (e) => events.push(e) }).describeDomainRealTimeSrcTrafficData(Q));
    expect(err).toMatchObject(expected);
    if (!('apiCode' in expected)) {
      expect([['InternalError', 500], ['ServiceUnavailable', 503]]).toContainEqual([err.apiCode, err.status]);
    }
    expect(events).toHaveLength(1);
    expect(events[0]!.outcome).toBe('transient');
    expectNoSecrets(err, SECRET);
  });

  it('a stall longer than headersTimeoutMs -> transient Transport.Timeout, reported well before the stall ends', async () => {
    // The stall (60 s) is 200 times the timeout: the call ending before it ends can only be the timeout's doing,
    // on any machine, and Transport.Timeout says so.
    const stallMs = 60_000;
    const s = await sim({ faults: { stallRate: 1, stallMs } });
    const events: ApiCallEvent[] = [];
    const err = await apiErrorOf(client(s, { headersTimeoutMs: 300, onCall: (e) => events.push(e) }).describeDomainRealTimeSrcTrafficData(Q));
    expect({ apiCode: err.apiCode, kind: err.kind, status: err.status }).toEqual({ apiCode: 'Transport.Timeout', kind: 'transient', status: undefined });
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(250);
    expect(events[0]!.durationMs).toBeLessThan(stallMs);
  });

  it('no hidden retries: 5 calls against a failing server are 5 HTTP calls and 5 events', async () => {
    const s = await sim({ faults: { serverErrorRate: 1 } });
    const events: ApiCallEvent[] = [];
    const c = client(s, { onCall: (e) => events.push(e) });
    for (let i = 0; i < 5; i++) await apiErrorOf(c.describeDomainRealTimeSrcTrafficData(Q));
    expect(s.stats().calls).toBe(5);
    expect(events.map((e) => e.outcome)).toEqual(['transient', 'transient', 'transient', 'transient', 'transient']);
  });

  it('recovers on the next call once the fault is gone (maxFaults 1)', async () => {
    const s = await sim({ faults: { resetRate: 1, maxFaults: 1 } });
    const c = client(s);
    const err = await apiErrorOf(c.describeDomainRealTimeSrcTrafficData(Q));
    expect(err.apiCode).toBe('Transport.Reset');
    const res = await c.describeDomainRealTimeSrcTrafficData(Q);
    expect(res.dataModule).toHaveLength(61);
  });
});
