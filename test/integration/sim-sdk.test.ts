/**
 * The official SDK (@alicloud/cdn20180510 on @alicloud/openapi-core) against the simulator over
 * loopback, with V3 (the SDK's default) and V2: proof that the simulator speaks the real protocol.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, finalSlotValue, startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';

const require = createRequire(import.meta.url);
type CdnModule = typeof import('@alicloud/cdn20180510');
type CoreModule = typeof import('@alicloud/openapi-core');
const cdn = require('@alicloud/cdn20180510') as CdnModule;
const core = require('@alicloud/openapi-core') as CoreModule;
const CdnClient = (cdn as unknown as { default: new (c: unknown) => InstanceType<CdnModule['default']> }).default;

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const DOMAINS = [
  { name: 'sdk-a.example.com' },
  { name: 'sdk-b.example.com' },
  { name: 'sdk-off.example.com', status: 'offline' as const },
];

let sim: RunningSimulator;

beforeAll(async () => {
  // A data clock fixed at NOW makes every slot final and every value exact; signatures use the real clock.
  sim = await startSimulator({ domains: DOMAINS, now: () => NOW + 10 * HOUR, qps: 1000 });
});

afterAll(async () => {
  await sim.close();
});

function client(signatureAlgorithm: 'v3' | 'v2', secret: string = DEMO_CREDENTIALS.accessKeySecret): InstanceType<CdnModule['default']> {
  const config = new core.$OpenApiUtil.Config({
    accessKeyId: DEMO_CREDENTIALS.accessKeyId,
    accessKeySecret: secret,
    endpoint: `127.0.0.1:${sim.port}`,
    protocol: 'http',
    readTimeout: 5000,
    connectTimeout: 5000,
    ...(signatureAlgorithm === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
  });
  return new CdnClient(config);
}

const wire = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

describe.each(['v3', 'v2'] as const)('official SDK with signature %s', (algorithm) => {
  it('gets one hour of 1-minute slots, both ends included, with the exact values', async () => {
    const start = NOW - 2 * HOUR;
    const request = new cdn.DescribeDomainRealTimeSrcTrafficDataRequest({ domainName: 'sdk-a.example.com', startTime: wire(start), endTime: wire(start + HOUR) });
    const response = await client(algorithm).describeDomainRealTimeSrcTrafficData(request);
    expect(response.statusCode).toBe(200);
    const body = response.body!;
    expect(body.domainName).toBe('sdk-a.example.com');
    expect(body.dataInterval).toBe('60');
    expect(body.startTime).toBe(wire(start));
    expect(body.endTime).toBe(wire(start + HOUR));
    const points = body.realTimeSrcTrafficDataPerInterval!.dataModule!;
    expect(points).toHaveLength(61);
    expect(points[0]!.timeStamp).toBe(wire(start));
    expect(points[60]!.timeStamp).toBe(wire(start + HOUR));
    for (let i = 0; i < points.length; i++) {
      expect(points[i]!.value).toBe(String(finalSlotValue('sdk-a.example.com', 60, start + i * 60_000)));
    }
    expect(body.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('lists the account domains with their status', async () => {
    const response = await client(algorithm).describeUserDomains(new cdn.DescribeUserDomainsRequest({ pageSize: 2, pageNumber: 2 }));
    expect(response.statusCode).toBe(200);
    expect(response.body!.totalCount).toBe(3);
    expect(response.body!.pageNumber).toBe(2);
    expect(response.body!.pageSize).toBe(2);
    const page = response.body!.domains!.pageData!;
    expect(page.map((d) => [d.domainName, d.domainStatus])).toEqual([['sdk-off.example.com', 'offline']]);
  });

  it('answers SignatureDoesNotMatch to a wrong secret', async () => {
    const request = new cdn.DescribeDomainRealTimeSrcTrafficDataRequest({ domainName: 'sdk-a.example.com', startTime: wire(NOW - HOUR), endTime: wire(NOW) });
    sim.resetStats();
    const error = await client(algorithm, 'not-the-secret').describeDomainRealTimeSrcTrafficData(request).then(
      () => undefined,
      (e: unknown) => e as { code?: string; statusCode?: number; data?: Record<string, unknown> },
    );
    expect(error?.code).toBe('SignatureDoesNotMatch');
    expect(error?.statusCode).toBe(400);
    expect(error?.data?.HostId).toBe('cdn.aliyuncs.com');
    // One HTTP call, no hidden SDK retry.
    expect(sim.stats().calls).toBe(1);
    expect(sim.stats().errorsByCode).toEqual({ SignatureDoesNotMatch: 1 });
  });

  it('answers the seed error for an offline domain', async () => {
    const request = new cdn.DescribeDomainRealTimeSrcTrafficDataRequest({ domainName: 'sdk-off.example.com', startTime: wire(NOW - HOUR), endTime: wire(NOW) });
    const error = await client(algorithm).describeDomainRealTimeSrcTrafficData(request).then(
      () => undefined,
      (e: unknown) => e as { code?: string; statusCode?: number },
    );
    expect(error?.code).toBe('InvalidDomain.Offline');
    expect(error?.statusCode).toBe(404);
  });
});
