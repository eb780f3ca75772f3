/** The shapes of the two API actions cdn-etl uses, as parsed from their JSON answers. Types only. */

export const CDN_API_VERSION = '2018-05-10';
export const ACTION_SRC_TRAFFIC = 'DescribeDomainRealTimeSrcTrafficData';
export const ACTION_USER_DOMAINS = 'DescribeUserDomains';

export interface SrcTrafficQuery {
  /** One domain, or several joined by commas (the API merges them into ONE series). */
  readonly domainName: string;
  /** Epoch ms; sent as `YYYY-MM-DDThh:mm:ssZ`. */
  readonly startTime: number;
  /** Epoch ms; the API treats it as inclusive (it returns the slot starting there). */
  readonly endTime: number;
}

/** One point of `RealTimeSrcTrafficDataPerInterval.DataModule`, exactly as received (unvalidated). */
export interface RawDataPoint {
  readonly TimeStamp: unknown;
  readonly Value: unknown;
}

/** The answer to DescribeDomainRealTimeSrcTrafficData, fields as received (every value a string on the wire). */
export interface SrcTrafficResponse {
  readonly requestId: string;
  readonly domainName: unknown;
  readonly startTime: unknown;
  readonly endTime: unknown;
  readonly dataInterval: unknown;
  readonly dataModule: readonly RawDataPoint[];
}

export interface UserDomain {
  readonly domainName: string;
  /** `online`, `offline`, `configuring`, `configure_failed`, `checking`, `check_failed`, ... */
  readonly domainStatus: string;
  readonly cdnType?: string | undefined;
  readonly cname?: string | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The slice of the API cdn-etl depends on; CdnClient implements it over HTTP. */
export interface CdnApi {
  describeDomainRealTimeSrcTrafficData(query: SrcTrafficQuery, options?: CallOptions): Promise<SrcTrafficResponse>;
  /** Every domain of the account, all pages. */
  describeUserDomains(options?: CallOptions): Promise<UserDomain[]>;
  close(): Promise<void>;
}
