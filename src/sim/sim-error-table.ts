/**
 * The error answers the simulator gives: Code -> HTTP status and message, from the seed document's
 * table, the common gateway errors, and API-NOTES.md. Pure data. Where the documents disagree or say
 * nothing, the choice is marked "unconfirmed" (and listed in docs/SIMULATOR.md).
 */

export interface SimErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const TABLE = {
  // Gateway: routing, authentication, freshness.
  'InvalidAction.NotFound': [404, 'Specified api is not found, please check your url and method.'],
  MissingParameter: [400, 'The input parameter that is mandatory for processing this request is not supplied.'],
  IncompleteSignature: [400, 'The request signature does not conform to Aliyun standards.'],
  SignatureDoesNotMatch: [400, 'Specified signature is not matched with our calculation.'],
  'InvalidAccessKeyId.NotFound': [404, 'Specified access key is not found.'],
  'InvalidSecurityToken.MismatchWithAccessKey': [400, 'Specified SecurityToken mismatch with the AccessKey.'],
  'InvalidTimeStamp.Format': [400, 'Specified time stamp or date value is not well formatted.'],
  'InvalidTimeStamp.Expired': [400, 'Specified time stamp or date value is expired.'],
  SignatureNonceUsed: [400, 'Specified signature nonce was used already.'],
  // Unconfirmed code: the simulator answers JSON only.
  'InvalidParameter.Format': [400, 'The specified parameter "Format" is not valid: this endpoint answers JSON only.'],
  // Unconfirmed code: the gateway's wording for an unsupported signing method.
  'InvalidParameter.SignatureMethod': [400, 'The specified parameter "SignatureMethod" or "SignatureVersion" is not valid.'],
  // Quota and availability.
  'Throttling.User': [400, 'Request was denied due to user flow control.'],
  Throttling: [503, 'Request was denied due to request throttling.'],
  InternalError: [500, 'The request processing has failed due to some unknown error, exception or failure.'],
  ServiceUnavailable: [503, 'The request has failed due to a temporary failure of the server.'],
  ServiceBusy: [403, 'The specified Domain is configuring, please retry later.'],
  // The seed document's table for DescribeDomainRealTimeSrcTrafficData.
  IllegalOperation: [403, 'Illegal domain, operation is not permitted.'],
  OperationDenied: [403, 'Your account does not open CDN service yet.'],
  'OperationDenied.Suspended': [403, 'Your CDN service is suspended.'],
  'InvalidDomain.NotFound': [404, 'The domain provided does not belong to you.'],
  'InvalidDomain.Offline': [404, 'The domain provided is offline.'],
  'InvalidDomain.Configure_failed': [500, 'Failed to configure the provided domain.'],
  'InvalidStartTime.Malformed': [400, 'Specified start time is malformed.'],
  'InvalidEndTime.Malformed': [400, 'Specified end time is malformed.'],
  'InvalidEndTime.Mismatch': [400, 'Specified end time does not math the specified start time.'],
  'InvalidStartTime.ValueNotSupported': [400, 'Specified end time does not math the specified start time.'],
  // Unconfirmed code: more than 100 domains in one call.
  'InvalidDomainName.ExceedLimit': [400, 'The number of domain names exceeds the limit of 100.'],
  // Unconfirmed codes: DescribeUserDomains paging.
  'InvalidPageSize.ValueNotSupported': [400, 'Specified PageSize is not supported: 1 to 500.'],
  'InvalidPageNumber.ValueNotSupported': [400, 'Specified PageNumber is not supported: 1 to 100000.'],
} as const satisfies Record<string, readonly [number, string]>;

export type SimErrorCode = keyof typeof TABLE;

/**
 * The answer for `code`. `OperationDenied.Suspended` goes out as `OperationDenied` (the seed lists
 * two messages under one code). `detail` replaces the message when the generic one would mislead.
 */
export function simError(code: SimErrorCode, detail?: string): SimErrorAnswer {
  const [status, message] = TABLE[code];
  return { status, code: code === 'OperationDenied.Suspended' ? 'OperationDenied' : code, message: detail ?? message };
}

/** A Throttling answer with a configurable code and status (the documents disagree on the status). */
export function throttleError(code: string, status: number): SimErrorAnswer {
  const known = (TABLE as Record<string, readonly [number, string]>)[code];
  return { status, code, message: known?.[1] ?? 'Request was denied due to request throttling.' };
}

/** The "mandatory parameter missing" answer naming the parameter, as the gateway words it. */
export function missingParameter(name: string): SimErrorAnswer {
  return simError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}
