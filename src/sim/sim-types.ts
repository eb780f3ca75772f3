/**
 * The simulator's option and result shapes, and its defaults. Types and constants only: the
 * behaviour lives in the modules that consume them.
 */
import type { Tier } from '../aliyun/tiers.js';

/** `DomainStatus` values DescribeUserDomains reports; only `online` domains serve traffic data. */
export type SimDomainStatus = 'online' | 'offline' | 'configuring' | 'configure_failed' | 'checking' | 'check_failed' | 'stopped';

export interface SimDomain {
  readonly name: string;
  /** Default `online`. */
  readonly status?: SimDomainStatus;
  /** Default `web`. */
  readonly cdnType?: string;
}

export interface SimCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /**
   * When set, every call must carry exactly this STS token. When unset, a token sent by the
   * caller is accepted whatever it is (the simulator has no STS service to ask).
   */
  readonly securityToken?: string | undefined;
}

/**
 * Faults injected into authenticated API calls, each a fraction 0..1 of calls. None is on unless asked.
 * At most one fault hits a call; they are drawn in the order listed here from one seeded generator.
 */
export interface FaultOptions {
  /** Answer Throttling regardless of the quota (a throttling storm). */
  readonly throttleRate?: number;
  /** Answer 500 InternalError or 503 ServiceUnavailable (half each). */
  readonly serverErrorRate?: number;
  /** Destroy the connection (TCP reset) without answering. */
  readonly resetRate?: number;
  /** Hold the (otherwise normal) answer for `stallMs`. */
  readonly stallRate?: number;
  /** How long a stall lasts; default 30 000 ms. */
  readonly stallMs?: number;
  /** Declare the full Content-Length, send half of the body, close the connection. */
  readonly truncateRate?: number;
  /** Answer 403 ServiceBusy ("please retry later"). */
  readonly serviceBusyRate?: number;
  /** Faults start only after this many API calls since the faults were set (default 0). */
  readonly afterCalls?: number;
  /**
   * Faults stop after this many API calls since the faults were set (default never): calls afterCalls + 1 to
   * untilCalls form the fault window. Windows are counted in calls, never in milliseconds, so a test gets the
   * same storm however busy the machine is (the seeded generator draws once per call).
   */
  readonly untilCalls?: number;
  /** At most this many faults are injected, then the simulator behaves (default unlimited). */
  readonly maxFaults?: number;
}

/**
 * A virtual other program on the same account: it spends `callsPerSecond` of each second's quota of the traffic
 * action (at the start of the second), so cdn-etl gets only the rest. Like faults, it can be on for a window of
 * traffic calls, counted from when it was set, never of milliseconds.
 */
export interface CompetingOptions {
  /** Calls of each second's quota the other program spends (0..qps). */
  readonly callsPerSecond: number;
  /** It starts after this many traffic calls since it was set (default 0). */
  readonly afterCalls?: number;
  /** It stops after this many traffic calls since it was set (default never). */
  readonly untilCalls?: number;
}

/** Answers that look successful but are wrong in one way, for tests of a client's defences. */
export type HostileMode =
  /** One Value is "1e400" (beyond any double). */
  | 'huge-value'
  /** One Value is "-5". */
  | 'negative-value'
  /** One Value is "NaN". */
  | 'nan-value'
  /** One Value is "". */
  | 'empty-value'
  /** One TimeStamp is not a timestamp. */
  | 'bad-timestamp'
  /** One slot is shifted 30 s off the interval's grid. */
  | 'misaligned-slot'
  /** One extra slot one interval after the asked end. */
  | 'out-of-range-slot'
  /** The first slot appears twice with the same value. */
  | 'duplicate-slot'
  /** The first slot appears twice with different values. */
  | 'conflicting-duplicate'
  /** DataInterval claims a granularity other than the slots have. */
  | 'interval-mismatch'
  /** The body is JSON but served as text/html. */
  | 'wrong-content-type'
  /** The body is not JSON at all. */
  | 'not-json';

export interface HostileOptions {
  readonly modes: readonly HostileMode[];
  /** Fraction of successful traffic answers that get one hostile mode (default 1: all). */
  readonly rate?: number;
}

/** How a Throttling answer looks: the documents disagree on the status (seed 503, gateway table 400). */
export interface ThrottleAnswerOptions {
  /** Default 400 (the gateway's table); the seed document says 503. */
  readonly status?: 400 | 503;
  /** Default `Throttling.User`. Anything containing `Throttling`. */
  readonly code?: string;
  /** When set, sent as the `x-acs-retry-after` header (milliseconds, as the official SDKs read it). */
  readonly retryAfterMs?: number;
}

export interface SimulatorOptions {
  /** 0 (default) = any free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default DEMO_CREDENTIALS. */
  readonly credentials?: SimCredentials;
  /** Default DEFAULT_SIM_DOMAINS. */
  readonly domains?: readonly SimDomain[];
  /** Accepted calls per calendar second of arrival, per action, account-wide (default 10). */
  readonly qps?: number;
  /** Default DEFAULT_TIERS. */
  readonly tiers?: readonly Tier[];
  /** Data clock: what "now" is for tiers, delays and provisional values. Signatures and the quota use the real clock. */
  readonly now?: () => number;
  readonly faults?: FaultOptions;
  /** Seed of the fault and hostile-mode generator (default 1). */
  readonly seed?: number;
  readonly throttle?: ThrottleAnswerOptions;
  readonly hostile?: HostileOptions;
  /** Extra latency added to every API answer, ms (default 0). A [min, max] pair draws uniformly. */
  readonly latencyMs?: number | readonly [number, number];
  /**
   * The simulator's clock, epoch ms (default Date.now): the arrival time that the quota's calendar second, the
   * timestamp check and the data's freshness are judged by. A test that needs calls to arrive in one second
   * gives a fixed clock instead of racing the real one.
   */
  readonly clock?: () => number;
  /** Account state: `not-opened` or `suspended` answer OperationDenied to every traffic call. */
  readonly account?: 'active' | 'not-opened' | 'suspended';
  /** Another program spending part of the quota (default none). */
  readonly competing?: CompetingOptions;
}

export interface SimulatorStats {
  /** API calls received (authenticated or not), excluding `GET /`. */
  calls: number;
  callsByAction: Record<string, number>;
  /** Traffic calls per requested domain (a comma-joined call counts once for each of its domains). */
  callsByDomain: Record<string, number>;
  /** Calls answered Throttling (quota or injected storm). */
  throttled: number;
  /**
   * Peak count of authenticated DescribeDomainRealTimeSrcTrafficData arrivals (accepted + throttled)
   * within any sliding 1000 ms window.
   */
  maxCallsInAnySecond: number;
  /** The same arrivals per calendar second (epoch seconds). */
  perCalendarSecond: Map<number, number>;
  /** Calls answered with each error Code (including injected faults); successful calls are not listed. */
  errorsByCode: Record<string, number>;
  /** Faults injected, by kind. */
  faultsInjected: Record<string, number>;
}

export interface RunningSimulator {
  /** `http://host:port`, usable as CDN_ENDPOINT. */
  readonly url: string;
  readonly port: number;
  /** A snapshot; later calls do not change it. */
  stats(): SimulatorStats;
  /** Replaces the fault options; the `afterCalls` / `maxFaults` counters restart. */
  setFaults(f: FaultOptions): void;
  /** Starts (or replaces) the competing consumer, its call window counted from now; undefined stops it. */
  setCompeting(c: CompetingOptions | undefined): void;
  resetStats(): void;
  close(): Promise<void>;
}

/** The pair the simulator accepts when no other is configured. Not a real Alibaba Cloud key. */
export const DEMO_CREDENTIALS = Object.freeze({
  accessKeyId: 'LTAI5tDemoAccessKeyId',
  accessKeySecret: 'demo-secret-not-for-production',
});

export const DEFAULT_SIM_DOMAINS: readonly SimDomain[] = Object.freeze([
  { name: 'www.example.com' },
  { name: 'img.example.com' },
  { name: 'video.example.com' },
  { name: 'old.example.com', status: 'offline' as const },
]);

export const DEFAULT_SIM_QPS = 10;
export const DEFAULT_STALL_MS = 30_000;
