import { describe, expect, it } from 'vitest';
import { classifyError, parseRetryAfterMs, type Classification, type ErrorFacts } from '../../src/aliyun/classify-error.js';

interface Row {
  readonly name: string;
  readonly facts: ErrorFacts;
  readonly expected: Classification;
}

const rows: Row[] = [
  // Throttling: by Code whatever the status, or by an x-acs-retry-after header.
  { name: 'seed: Throttling 503', facts: { status: 503, code: 'Throttling' }, expected: { kind: 'throttled', apiCode: 'Throttling', retryAfterMs: undefined } },
  { name: 'gateway: Throttling.User 400', facts: { status: 400, code: 'Throttling.User' }, expected: { kind: 'throttled', apiCode: 'Throttling.User', retryAfterMs: undefined } },
  { name: 'Throttling.Api with retry-after 1500', facts: { status: 400, code: 'Throttling.Api', retryAfterHeader: '1500' }, expected: { kind: 'throttled', apiCode: 'Throttling.Api', retryAfterMs: 1500 } },
  { name: 'a Code containing Throttling elsewhere', facts: { status: 400, code: 'Request.Throttling.Quota' }, expected: { kind: 'throttled', apiCode: 'Request.Throttling.Quota', retryAfterMs: undefined } },
  { name: 'retry-after on a ServiceUnavailable', facts: { status: 503, code: 'ServiceUnavailable', retryAfterHeader: '200' }, expected: { kind: 'throttled', apiCode: 'ServiceUnavailable', retryAfterMs: 200 } },
  { name: 'retry-after without a Code', facts: { status: 429, retryAfterHeader: '1000' }, expected: { kind: 'throttled', apiCode: 'Http.429', retryAfterMs: 1000 } },
  { name: 'retry-after that is not a number', facts: { status: 429, retryAfterHeader: 'soon' }, expected: { kind: 'throttled', apiCode: 'Http.429', retryAfterMs: undefined } },
  { name: 'retry-after empty', facts: { status: 400, code: 'Throttling', retryAfterHeader: '' }, expected: { kind: 'throttled', apiCode: 'Throttling', retryAfterMs: undefined } },
  // Transient Codes.
  { name: 'ServiceUnavailable 503', facts: { status: 503, code: 'ServiceUnavailable' }, expected: { kind: 'transient', apiCode: 'ServiceUnavailable' } },
  { name: 'InternalError 500', facts: { status: 500, code: 'InternalError' }, expected: { kind: 'transient', apiCode: 'InternalError' } },
  { name: 'seed: ServiceBusy 403 (domain configuring)', facts: { status: 403, code: 'ServiceBusy' }, expected: { kind: 'transient', apiCode: 'ServiceBusy' } },
  { name: 'transient Code wins over a 4xx status', facts: { status: 400, code: 'ServiceUnavailable' }, expected: { kind: 'transient', apiCode: 'ServiceUnavailable' } },
  // Permanent Codes, each of API-NOTES.md and the seed's table.
  { name: 'SignatureDoesNotMatch 400', facts: { status: 400, code: 'SignatureDoesNotMatch' }, expected: { kind: 'permanent', apiCode: 'SignatureDoesNotMatch' } },
  { name: 'InvalidAccessKeyId.NotFound 404', facts: { status: 404, code: 'InvalidAccessKeyId.NotFound' }, expected: { kind: 'permanent', apiCode: 'InvalidAccessKeyId.NotFound' } },
  { name: 'InvalidTimeStamp.Expired 400', facts: { status: 400, code: 'InvalidTimeStamp.Expired' }, expected: { kind: 'permanent', apiCode: 'InvalidTimeStamp.Expired' } },
  { name: 'SignatureNonceUsed 400', facts: { status: 400, code: 'SignatureNonceUsed' }, expected: { kind: 'permanent', apiCode: 'SignatureNonceUsed' } },
  { name: 'seed: MissingParameter 400', facts: { status: 400, code: 'MissingParameter' }, expected: { kind: 'permanent', apiCode: 'MissingParameter' } },
  { name: 'seed: InvalidStartTime.Malformed 400', facts: { status: 400, code: 'InvalidStartTime.Malformed' }, expected: { kind: 'permanent', apiCode: 'InvalidStartTime.Malformed' } },
  { name: 'seed: InvalidEndTime.Malformed 400', facts: { status: 400, code: 'InvalidEndTime.Malformed' }, expected: { kind: 'permanent', apiCode: 'InvalidEndTime.Malformed' } },
  { name: 'any Invalid*.Malformed, even with a 5xx', facts: { status: 500, code: 'InvalidDomainName.Malformed' }, expected: { kind: 'permanent', apiCode: 'InvalidDomainName.Malformed' } },
  { name: 'seed: InvalidEndTime.Mismatch 400', facts: { status: 400, code: 'InvalidEndTime.Mismatch' }, expected: { kind: 'permanent', apiCode: 'InvalidEndTime.Mismatch' } },
  { name: 'seed: InvalidStartTime.ValueNotSupported 400', facts: { status: 400, code: 'InvalidStartTime.ValueNotSupported' }, expected: { kind: 'permanent', apiCode: 'InvalidStartTime.ValueNotSupported' } },
  { name: 'seed: InvalidDomain.NotFound 404', facts: { status: 404, code: 'InvalidDomain.NotFound' }, expected: { kind: 'permanent', apiCode: 'InvalidDomain.NotFound' } },
  { name: 'seed: InvalidDomain.Offline 404', facts: { status: 404, code: 'InvalidDomain.Offline' }, expected: { kind: 'permanent', apiCode: 'InvalidDomain.Offline' } },
  { name: 'seed: InvalidDomain.Configure_failed 500 (decided permanent)', facts: { status: 500, code: 'InvalidDomain.Configure_failed' }, expected: { kind: 'permanent', apiCode: 'InvalidDomain.Configure_failed' } },
  { name: 'seed: OperationDenied 403', facts: { status: 403, code: 'OperationDenied' }, expected: { kind: 'permanent', apiCode: 'OperationDenied' } },
  { name: 'seed: IllegalOperation 403', facts: { status: 403, code: 'IllegalOperation' }, expected: { kind: 'permanent', apiCode: 'IllegalOperation' } },
  // Unknown Codes: by status.
  { name: 'unknown Code with 4xx', facts: { status: 403, code: 'Forbidden.RAM' }, expected: { kind: 'permanent', apiCode: 'Forbidden.RAM' } },
  { name: 'unknown Code with 5xx', facts: { status: 500, code: 'UnknownError' }, expected: { kind: 'transient', apiCode: 'UnknownError' } },
  { name: '502 without a Code', facts: { status: 502 }, expected: { kind: 'transient', apiCode: 'Http.502' } },
  { name: '599 without a Code', facts: { status: 599 }, expected: { kind: 'transient', apiCode: 'Http.599' } },
  { name: '404 without a Code', facts: { status: 404 }, expected: { kind: 'permanent', apiCode: 'Http.404' } },
  { name: '301 (a misconfigured endpoint)', facts: { status: 301 }, expected: { kind: 'permanent', apiCode: 'Http.301' } },
  { name: 'blank Code counts as none', facts: { status: 503, code: '  ' }, expected: { kind: 'transient', apiCode: 'Http.503' } },
  // Transport failures.
  { name: 'timeout', facts: { transport: 'timeout' }, expected: { kind: 'transient', apiCode: 'Transport.Timeout' } },
  { name: 'reset', facts: { transport: 'reset' }, expected: { kind: 'transient', apiCode: 'Transport.Reset' } },
  { name: 'refused', facts: { transport: 'refused' }, expected: { kind: 'transient', apiCode: 'Transport.Refused' } },
  { name: 'network', facts: { transport: 'network' }, expected: { kind: 'transient', apiCode: 'Transport.Network' } },
  { name: 'aborted', facts: { transport: 'aborted' }, expected: { kind: 'transient', apiCode: 'Transport.Aborted' } },
  { name: 'truncated body of a 200', facts: { status: 200, transport: 'truncated' }, expected: { kind: 'transient', apiCode: 'Response.Truncated' } },
  { name: 'unparsable body of a 200', facts: { status: 200, transport: 'unparsable' }, expected: { kind: 'transient', apiCode: 'Response.Unparsable' } },
  { name: 'too large', facts: { status: 200, transport: 'too-large' }, expected: { kind: 'transient', apiCode: 'Response.TooLarge' } },
  { name: 'truncated body of a 404 is still transient', facts: { status: 404, transport: 'truncated' }, expected: { kind: 'transient', apiCode: 'Response.Truncated' } },
  { name: 'nothing known', facts: {}, expected: { kind: 'transient', apiCode: 'Unknown' } },
];

describe('classifyError', () => {
  it.each(rows)('$name', ({ facts, expected }) => {
    const got = classifyError(facts);
    expect({ kind: got.kind, apiCode: got.apiCode, ...(expected.kind === 'throttled' ? { retryAfterMs: got.retryAfterMs } : {}) }).toEqual(expected);
    if (expected.kind !== 'throttled') expect(got.retryAfterMs).toBeUndefined();
  });
});

describe('parseRetryAfterMs (read as milliseconds, unit unconfirmed)', () => {
  it.each([
    { name: 'absent', header: undefined, ms: undefined },
    { name: 'integer', header: '1500', ms: 1500 },
    { name: 'zero', header: '0', ms: 0 },
    { name: 'padded', header: ' 250 ', ms: 250 },
    { name: 'fraction rounds up', header: '2.5', ms: 3 },
    { name: 'negative', header: '-5', ms: undefined },
    { name: 'HTTP date', header: 'Wed, 21 Oct 2015 07:28:00 GMT', ms: undefined },
    { name: 'empty', header: '', ms: undefined },
    { name: 'beyond safe integers', header: '9'.repeat(30), ms: undefined },
  ])('$name', ({ header, ms }) => {
    expect(parseRetryAfterMs(header)).toBe(ms);
  });
});
