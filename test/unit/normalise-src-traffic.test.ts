import { describe, expect, it } from 'vitest';
import { normaliseSrcTraffic, type AskedRange } from '../../src/aliyun/normalise-src-traffic.js';
import type { RawDataPoint, SrcTrafficResponse } from '../../src/aliyun/api-types.js';
import { ResponseInvalidError } from '../../src/core/errors.js';

// The seed's example answer (seed/DescribeDomainRealTimeSrcTrafficData.md), copied so the test stands alone.
const SEED_EXAMPLE_JSON = `{
    "DomainName": "example.com",
    "DataInterval": "60",
    "RealTimeSrcTrafficDataPerInterval": {
        "DataModule": [
            { "TimeStamp": "2015-12-10T20:00:00Z", "Value": "0" },
            { "TimeStamp": "2015-12-10T20:01:00Z", "Value": "0" }
        ]
    },
    "RequestId": "A666D44F-19D6-490E-97CF-1A64AB962C57",
    "StartTime": "2015-12-10T20:00:00Z",
    "EndTime": "2015-12-10T20:01:00Z"
}`;

function fromWire(json: string): SrcTrafficResponse {
  const body = JSON.parse(json) as Record<string, unknown> & { RealTimeSrcTrafficDataPerInterval: { DataModule: RawDataPoint[] } };
  return {
    requestId: body.RequestId as string,
    domainName: body.DomainName,
    startTime: body.StartTime,
    endTime: body.EndTime,
    dataInterval: body.DataInterval,
    dataModule: body.RealTimeSrcTrafficDataPerInterval.DataModule,
  };
}

const T0 = Date.UTC(2026, 10, 29, 10, 0); // 2026-11-29T10:00:00Z
const MIN = 60_000;
const ASKED: AskedRange = { domain: 'a.example.com', start: T0, end: T0 + 10 * MIN };

function wire(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function response(points: { TimeStamp: unknown; Value: unknown }[], over: Partial<SrcTrafficResponse> = {}): SrcTrafficResponse {
  return {
    requestId: 'REQ-1',
    domainName: 'a.example.com',
    startTime: wire(ASKED.start),
    endTime: wire(ASKED.end),
    dataInterval: '60',
    dataModule: points,
    ...over,
  };
}

function pt(offsetMin: number, value: unknown): { TimeStamp: string; Value: unknown } {
  return { TimeStamp: wire(T0 + offsetMin * MIN), Value: value };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ResponseInvalidError) {
      expect(err.code).toBe('CDN_ETL_RESPONSE_INVALID');
      return err.reason;
    }
    throw err;
  }
  throw new Error('expected a ResponseInvalidError, nothing was thrown');
}

describe('normaliseSrcTraffic: valid answers', () => {
  it("the seed's example answer gives two zero rows at 60 s", () => {
    const rows = normaliseSrcTraffic(fromWire(SEED_EXAMPLE_JSON), {
      domain: 'example.com',
      start: Date.UTC(2015, 11, 10, 20, 0),
      end: Date.UTC(2015, 11, 10, 20, 1),
    });
    expect(rows).toEqual([
      { ts: Date.UTC(2015, 11, 10, 20, 0), domain: 'example.com', intervalS: 60, value: 0 },
      { ts: Date.UTC(2015, 11, 10, 20, 1), domain: 'example.com', intervalS: 60, value: 0 },
    ]);
    expect(rows[0]!.ts).toBe(1449777600000);
  });

  const cases: { name: string; points: { TimeStamp: unknown; Value: unknown }[]; over?: Partial<SrcTrafficResponse>; asked?: AskedRange; want: [number, number][]; intervalS?: number }[] = [
    { name: 'empty DataModule gives no rows', points: [], want: [] },
    { name: 'plain integers', points: [pt(0, '12'), pt(1, '0')], want: [[0, 12], [1, 0]] },
    { name: 'fractional decimals become doubles', points: [pt(0, '12.5'), pt(1, '0.25')], want: [[0, 12.5], [1, 0.25]] },
    { name: 'leading zeros are still plain decimals', points: [pt(0, '007')], want: [[0, 7]] },
    { name: 'unsorted slots come back sorted by ts', points: [pt(3, '3'), pt(0, '0'), pt(2, '2')], want: [[0, 0], [2, 2], [3, 3]] },
    { name: 'an exact duplicate slot is kept once', points: [pt(1, '5'), pt(0, '4'), pt(1, '5')], want: [[0, 4], [1, 5]] },
    { name: 'a duplicate written differently but equal in value is kept once', points: [pt(1, '5'), pt(1, '5.0')], want: [[1, 5]] },
    { name: 'gaps between slots are allowed', points: [pt(0, '1'), pt(7, '2')], want: [[0, 1], [7, 2]] },
    { name: 'both ends of the asked range are inclusive', points: [pt(0, '1'), pt(10, '2')], want: [[0, 1], [10, 2]] },
    { name: '2^53 - 1 is kept exactly', points: [pt(0, '9007199254740991')], want: [[0, 9007199254740991]] },
    { name: 'a JSON number Value is tolerated', points: [pt(0, 42)], want: [[0, 42]] },
    { name: 'a numeric DataInterval is tolerated', points: [pt(0, '1')], over: { dataInterval: 60 }, want: [[0, 1]] },
    { name: 'DomainName is compared case-insensitively, rows carry the asked name', points: [pt(0, '1')], over: { domainName: 'A.Example.COM' }, want: [[0, 1]] },
    {
      name: '5-minute slots with DataInterval 300',
      points: [pt(0, '10'), pt(5, '20'), pt(10, '30')],
      over: { dataInterval: '300' },
      want: [[0, 10], [5, 20], [10, 30]],
      intervalS: 300,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rows = normaliseSrcTraffic(response(c.points, c.over), c.asked ?? ASKED);
      expect(rows).toEqual(c.want.map(([m, value]) => ({ ts: T0 + m * MIN, domain: 'a.example.com', intervalS: c.intervalS ?? 60, value })));
    });
  }
});

describe('normaliseSrcTraffic: hostile answers are refused whole, with a reason', () => {
  const cases: { name: string; points?: { TimeStamp: unknown; Value: unknown }[]; over?: Partial<SrcTrafficResponse>; reason: string }[] = [
    { name: 'Value "NaN"', points: [pt(0, '1'), pt(1, 'NaN')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value ""', points: [pt(0, '')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "1e400"', points: [pt(0, '1e400')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "1e3" (exponent: not a plain decimal)', points: [pt(0, '1e3')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "abc"', points: [pt(0, 'abc')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "Infinity"', points: [pt(0, 'Infinity')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value hex "0x1F"', points: [pt(0, '0x1F')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "+5"', points: [pt(0, '+5')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value ".5"', points: [pt(0, '.5')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "5."', points: [pt(0, '5.')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value " 5" (blank)', points: [pt(0, ' 5')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "1,000"', points: [pt(0, '1,000')], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value null', points: [pt(0, null)], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value missing', points: [{ TimeStamp: wire(T0), Value: undefined }], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value true', points: [pt(0, true)], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value a JSON NaN-like number', points: [pt(0, Number.NaN)], reason: 'VALUE_NOT_NUMERIC' },
    { name: 'Value "-5"', points: [pt(0, '-5')], reason: 'VALUE_NEGATIVE' },
    { name: 'Value "-0.5"', points: [pt(0, '-0.5')], reason: 'VALUE_NEGATIVE' },
    { name: 'Value "-0"', points: [pt(0, '-0')], reason: 'VALUE_NEGATIVE' },
    { name: 'Value -3 as a JSON number', points: [pt(0, -3)], reason: 'VALUE_NEGATIVE' },
    { name: 'Value 2^53 (first integer that is not safe)', points: [pt(0, '9007199254740992')], reason: 'VALUE_OUT_OF_RANGE' },
    { name: 'Value 2^53 + 1', points: [pt(0, '9007199254740993')], reason: 'VALUE_OUT_OF_RANGE' },
    { name: 'Value 2^53 + 1 with a fraction', points: [pt(0, '9007199254740993.5')], reason: 'VALUE_OUT_OF_RANGE' },
    { name: 'Value of 400 digits', points: [pt(0, '9'.repeat(400))], reason: 'VALUE_OUT_OF_RANGE' },
    { name: 'Value 2^60 as a JSON number', points: [pt(0, 2 ** 60)], reason: 'VALUE_OUT_OF_RANGE' },
    { name: 'TimeStamp with milliseconds', points: [{ TimeStamp: '2026-11-29T10:00:00.000Z', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp with an offset', points: [{ TimeStamp: '2026-11-29T18:00:00+08:00', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp without zone', points: [{ TimeStamp: '2026-11-29T10:00:00', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp date only', points: [{ TimeStamp: '2026-11-29', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp impossible date', points: [{ TimeStamp: '2026-02-30T10:00:00Z', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp garbage', points: [{ TimeStamp: 'yesterday', Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp as epoch number', points: [{ TimeStamp: T0, Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'TimeStamp missing', points: [{ TimeStamp: undefined, Value: '1' }], reason: 'TIMESTAMP_INVALID' },
    { name: 'a slot off the 60 s grid', points: [{ TimeStamp: '2026-11-29T10:00:30Z', Value: '1' }], reason: 'SLOT_NOT_ALIGNED' },
    {
      name: 'a 5-minute answer with a slot off the 300 s grid',
      points: [pt(0, '1'), pt(7, '1')],
      over: { dataInterval: '300' },
      reason: 'SLOT_NOT_ALIGNED',
    },
    { name: 'a slot before the asked start', points: [pt(-1, '1'), pt(0, '1')], reason: 'SLOT_OUT_OF_RANGE' },
    { name: 'a slot after the asked end', points: [pt(10, '1'), pt(11, '1')], reason: 'SLOT_OUT_OF_RANGE' },
    { name: 'DataInterval missing', points: [pt(0, '1')], over: { dataInterval: undefined }, reason: 'INTERVAL_MISSING' },
    { name: 'DataInterval missing even with no data', points: [], over: { dataInterval: undefined }, reason: 'INTERVAL_MISSING' },
    { name: 'DataInterval ""', points: [pt(0, '1')], over: { dataInterval: '' }, reason: 'INTERVAL_MISSING' },
    { name: 'DataInterval "0"', points: [pt(0, '1')], over: { dataInterval: '0' }, reason: 'INTERVAL_INVALID' },
    { name: 'DataInterval "-60"', points: [pt(0, '1')], over: { dataInterval: '-60' }, reason: 'INTERVAL_INVALID' },
    { name: 'DataInterval "60.5"', points: [pt(0, '1')], over: { dataInterval: '60.5' }, reason: 'INTERVAL_INVALID' },
    { name: 'DataInterval "1m"', points: [pt(0, '1')], over: { dataInterval: '1m' }, reason: 'INTERVAL_INVALID' },
    { name: 'DataInterval "060"', points: [pt(0, '1')], over: { dataInterval: '060' }, reason: 'INTERVAL_INVALID' },
    { name: 'DataInterval an object', points: [pt(0, '1')], over: { dataInterval: { s: 60 } }, reason: 'INTERVAL_INVALID' },
    {
      name: 'DataInterval 300 contradicted by 1-minute slots',
      points: [pt(0, '1'), pt(1, '1'), pt(2, '1')],
      over: { dataInterval: '300' },
      reason: 'INTERVAL_CONTRADICTED',
    },
    {
      name: 'DataInterval 60 contradicted by slots 30 s apart',
      points: [pt(0, '1'), { TimeStamp: '2026-11-29T10:00:30Z', Value: '1' }],
      reason: 'INTERVAL_CONTRADICTED',
    },
    { name: 'conflicting duplicate slots', points: [pt(0, '1'), pt(1, '5'), pt(1, '6')], reason: 'SLOT_CONFLICT' },
    { name: 'DomainName of another domain', points: [pt(0, '1')], over: { domainName: 'b.example.com' }, reason: 'DOMAIN_MISMATCH' },
    { name: 'DomainName of a merged series', points: [pt(0, '1')], over: { domainName: 'a.example.com,b.example.com' }, reason: 'DOMAIN_MISMATCH' },
    { name: 'DomainName missing', points: [pt(0, '1')], over: { domainName: undefined }, reason: 'DOMAIN_MISMATCH' },
    { name: 'DataModule not a list', over: { dataModule: { TimeStamp: wire(T0), Value: '1' } as unknown as RawDataPoint[] }, reason: 'DATA_MODULE_INVALID' },
    { name: 'DataModule entry null', points: [pt(0, '1'), null as unknown as RawDataPoint], reason: 'DATA_MODULE_INVALID' },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.reason}`, () => {
      expect(reasonOf(() => normaliseSrcTraffic(response(c.points ?? [], c.over), ASKED))).toBe(c.reason);
    });
  }

  it('one bad point among many good ones still refuses the whole answer', () => {
    const points = Array.from({ length: 10 }, (_, i) => pt(i, String(i * 1000)));
    points[7] = pt(7, '-1');
    expect(reasonOf(() => normaliseSrcTraffic(response(points), ASKED))).toBe('VALUE_NEGATIVE');
  });

  it('the message names the reason, the RequestId and the bad value, shortened', () => {
    let message = '';
    try {
      normaliseSrcTraffic(response([pt(0, 'x'.repeat(500))]), ASKED);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.startsWith('VALUE_NOT_NUMERIC: Value "xxx')).toBe(true);
    expect(message).toContain('(RequestId "REQ-1")');
    expect(message.length).toBeLessThan(200);
  });
});

describe('normaliseSrcTraffic: bad `asked` is a caller error', () => {
  const cases: { name: string; asked: AskedRange }[] = [
    { name: 'empty domain', asked: { domain: '', start: T0, end: T0 } },
    { name: 'start after end', asked: { domain: 'a.example.com', start: T0 + 1, end: T0 } },
    { name: 'fractional ms', asked: { domain: 'a.example.com', start: T0 + 0.5, end: T0 + MIN } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(() => normaliseSrcTraffic(response([]), c.asked)).toThrow(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
    });
  }
});
