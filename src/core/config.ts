/**
 * The one place that reads the environment. Builds a validated, typed Config once at the entry
 * point; every other module receives what it needs as parameters.
 */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import { carriesSecret, redactUrl } from './redact-url.js';
import { parseTimeZone } from './time-zone.js';

export { redactUrl } from './redact-url.js';

export type SignatureVersion = 'v3' | 'v2';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** The unit of cdn_src_traffic.value: the current official reference says byte, the seed edition bit. */
export type ValueUnit = 'byte' | 'bit';

export interface Credentials {
  readonly accessKeyId: string;
  /** Never logged, never put into job data, Redis or QuestDB. */
  readonly accessKeySecret: string;
  readonly securityToken?: string | undefined;
}

export interface Config {
  /** Undefined when the environment names none; commands that call the API require them. */
  readonly credentials: Credentials | undefined;
  /** Base URL of the CDN API, no trailing slash: https:// unless loopback or insecureEndpoint. */
  readonly cdnEndpoint: string;
  /**
   * INSECURE_ENDPOINT_VARIABLE was set and the endpoint is a plain-http one off this machine: signed calls and the
   * STS token travel in clear. The commands log a warning at start.
   */
  readonly insecureEndpoint: boolean;
  readonly signatureVersion: SignatureVersion;
  /** Calls per second the account may make to this operation, shared by every worker. */
  readonly apiQps: number;
  readonly redisUrl: string;
  /** Every Redis key and queue of cdn-etl starts with this prefix. */
  readonly redisPrefix: string;
  readonly questdbHttp: string;
  readonly questdbPg: string;
  /** QUESTDB_USER/QUESTDB_PASSWORD (basic) or QUESTDB_TOKEN (bearer) for ILP and every REST call; never logged. */
  readonly questdbAuth: QuestDbAuth | undefined;
  /** QUESTDB_TLS_CA: a PEM file of the private CA that signed the certificate of an https:// QUESTDB_HTTP. */
  readonly questdbTlsCa: string | undefined;
  readonly logLevel: LogLevel;
  /**
   * Basic auth for the queue dashboard (/queues). Undefined leaves it open, which the ops server allows only bound
   * to loopback and read-only.
   */
  readonly dashboardAuth: DashboardAuth | undefined;
  /** CDN_ETL_METRICS_USER/PASSWORD (basic) or CDN_ETL_METRICS_TOKEN (bearer) for /metrics; undefined: open. */
  readonly metricsAuth: MetricsAuth | undefined;
  /** CDN_ETL_HTTP_HOSTS: host names the ops server answers to besides its bound address (DNS rebinding guard). */
  readonly httpHosts: readonly string[];
  /** CDN_VALUE_UNIT: what one unit of the API's Value is; `migrate` records it in QuestDB. */
  readonly valueUnit: ValueUnit;
  /** CDN_ETL_TZ / --tz: the IANA zone in which days and months are shown (default UTC). */
  readonly timeZone: string;
}

export interface DashboardAuth {
  readonly user: string;
  /** Never logged, never echoed in an error. */
  readonly password: string;
}

export type MetricsAuth = ({ readonly kind: 'basic' } & DashboardAuth) | { readonly kind: 'bearer'; /** Never logged. */ readonly token: string };

export type QuestDbAuth = { readonly kind: 'basic'; readonly user: string; readonly password: string } | { readonly kind: 'token'; readonly token: string };

export type Env = Readonly<Record<string, string | undefined>>;

/** Values given on the command line; they win over the environment. */
export interface ConfigOverrides {
  readonly cdnEndpoint?: string | undefined;
  readonly apiQps?: string | number | undefined;
  readonly redisUrl?: string | undefined;
  readonly questdbHttp?: string | undefined;
  readonly questdbPg?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly valueUnit?: string | undefined;
  readonly timeZone?: string | undefined;
}

export const DEFAULTS = Object.freeze({
  cdnEndpoint: 'https://cdn.aliyuncs.com',
  apiQps: 10,
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'cdn-etl',
  questdbHttp: 'http://127.0.0.1:9000',
  questdbPg: 'postgres://admin:quest@127.0.0.1:8812/qdb',
  logLevel: 'info' as LogLevel,
  signatureVersion: 'v3' as SignatureVersion,
  valueUnit: 'byte' as ValueUnit,
  timeZone: 'UTC',
});

/** The loudly named opt-out of the https rule for CDN_ENDPOINT (odd setups: a TLS-terminating proxy on a private network). */
export const INSECURE_ENDPOINT_VARIABLE = 'CDN_ETL_INSECURE_PLAIN_HTTP_ENDPOINT';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Builds the Config from `env` (usually process.env) and command-line overrides; throws InvalidArgumentError. */
export function loadConfig(env: Env, overrides: ConfigOverrides = {}): Config {
  const endpoint = parseEndpoint(overrides.cdnEndpoint ?? env.CDN_ENDPOINT ?? DEFAULTS.cdnEndpoint, source(overrides.cdnEndpoint, '--endpoint', 'CDN_ENDPOINT'), env[INSECURE_ENDPOINT_VARIABLE]);
  return {
    credentials: parseCredentials(env),
    cdnEndpoint: endpoint.origin,
    insecureEndpoint: endpoint.insecure,
    signatureVersion: parseSignatureVersion(env.CDN_SIGNATURE_VERSION),
    apiQps: parseQps(overrides.apiQps ?? env.CDN_API_QPS, source(overrides.apiQps, '--qps', 'CDN_API_QPS')),
    redisUrl: parseRedisUrl(overrides.redisUrl ?? env.REDIS_URL ?? DEFAULTS.redisUrl, source(overrides.redisUrl, '--redis-url', 'REDIS_URL')),
    redisPrefix: parsePrefix(env.CDN_ETL_REDIS_PREFIX ?? DEFAULTS.redisPrefix),
    questdbHttp: parseHttpUrl(overrides.questdbHttp ?? env.QUESTDB_HTTP ?? DEFAULTS.questdbHttp, source(overrides.questdbHttp, '--questdb-http', 'QUESTDB_HTTP'), false),
    questdbPg: parsePgUrl(overrides.questdbPg ?? env.QUESTDB_PG ?? DEFAULTS.questdbPg, source(overrides.questdbPg, '--questdb-pg', 'QUESTDB_PG')),
    questdbAuth: parseQuestDbAuth(env),
    questdbTlsCa: parseCaFile(env.QUESTDB_TLS_CA, 'QUESTDB_TLS_CA'),
    logLevel: parseLogLevel(overrides.logLevel ?? env.LOG_LEVEL, source(overrides.logLevel, '--log-level', 'LOG_LEVEL')),
    dashboardAuth: parseBasicAuth(env, 'CDN_ETL_DASHBOARD_USER', 'CDN_ETL_DASHBOARD_PASSWORD'),
    metricsAuth: parseMetricsAuth(env),
    httpHosts: parseHttpHosts(env.CDN_ETL_HTTP_HOSTS),
    valueUnit: parseValueUnit(overrides.valueUnit ?? env.CDN_VALUE_UNIT, source(overrides.valueUnit, '--value-unit', 'CDN_VALUE_UNIT')),
    timeZone: parseZoneSetting(overrides.timeZone ?? env.CDN_ETL_TZ, source(overrides.timeZone, '--tz', 'CDN_ETL_TZ')),
  };
}

/** The credentials, or a clear error naming the variables to set. */
export function requireCredentials(config: Config): Credentials {
  if (!config.credentials) {
    throw new InvalidArgumentError(
      'API credentials are missing: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
    );
  }
  return config.credentials;
}

function source(override: unknown, flag: string, variable: string): string {
  return override !== undefined ? flag : variable;
}

function parseCredentials(env: Env): Credentials | undefined {
  const id = emptyToUndefined(env.ALIBABA_CLOUD_ACCESS_KEY_ID);
  const secret = emptyToUndefined(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
  const token = emptyToUndefined(env.ALIBABA_CLOUD_SECURITY_TOKEN);
  if (!id && !secret) {
    if (token) throw new InvalidArgumentError('is set but the access key pair is not', 'ALIBABA_CLOUD_SECURITY_TOKEN');
    return undefined;
  }
  if (!id) throw new InvalidArgumentError('must be set together with ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  if (!secret) throw new InvalidArgumentError('must be set together with ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  if (!/^[\x21-\x7e]+$/.test(id)) throw new InvalidArgumentError('must be printable ASCII without spaces', 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  // The secret's content is never echoed, not even in an error.
  if (!/^[\x21-\x7e]+$/.test(secret)) throw new InvalidArgumentError('must be printable ASCII without spaces', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  return { accessKeyId: id, accessKeySecret: secret, securityToken: token };
}

function parseBasicAuth(env: Env, userVariable: string, passwordVariable: string): DashboardAuth | undefined {
  const user = emptyToUndefined(env[userVariable]);
  // The password is taken as given (no trim): its content is never echoed, not even in an error.
  const raw = env[passwordVariable];
  const password = raw === undefined || raw === '' ? undefined : raw;
  if (!user && !password) return undefined;
  if (!user) throw new InvalidArgumentError(`must be set together with ${passwordVariable}`, userVariable);
  if (!password) throw new InvalidArgumentError(`must be set together with ${userVariable}`, passwordVariable);
  // Basic auth sends `user:password`: a colon in the user name could not be told apart.
  if (user.includes(':') || !/^[\x21-\x7e]+$/.test(user)) throw new InvalidArgumentError('must be printable ASCII without spaces or colons', userVariable);
  checkSecretStrength(password, passwordVariable);
  return { user, password };
}

/** At least 8 characters that are not white space (8 spaces is no password). */
function checkSecretStrength(secret: string, variable: string): void {
  if (secret.replace(/\s/g, '').length < 8) throw new InvalidArgumentError('must be at least 8 characters other than white space', variable);
}

function parseQuestDbAuth(env: Env): QuestDbAuth | undefined {
  const user = emptyToUndefined(env.QUESTDB_USER);
  const password = env.QUESTDB_PASSWORD === undefined || env.QUESTDB_PASSWORD === '' ? undefined : env.QUESTDB_PASSWORD;
  const token = env.QUESTDB_TOKEN === undefined || env.QUESTDB_TOKEN === '' ? undefined : env.QUESTDB_TOKEN;
  if (token && (user || password)) throw new InvalidArgumentError('give either QUESTDB_USER/QUESTDB_PASSWORD or QUESTDB_TOKEN, not both', 'QUESTDB_TOKEN');
  if (token) {
    // The token goes into the ILP client's `;`-separated config string: no `;`, no space.
    if (!/^[\x21-\x3a\x3c-\x7e]+$/.test(token)) throw new InvalidArgumentError('must be printable ASCII without spaces or semicolons', 'QUESTDB_TOKEN');
    return { kind: 'token', token };
  }
  if (!user && !password) return undefined;
  if (!user) throw new InvalidArgumentError('must be set together with QUESTDB_PASSWORD', 'QUESTDB_USER');
  if (!password) throw new InvalidArgumentError('must be set together with QUESTDB_USER', 'QUESTDB_PASSWORD');
  if (user.includes(':') || !/^[\x21-\x3a\x3c-\x7e]+$/.test(user)) throw new InvalidArgumentError('must be printable ASCII without spaces, colons or semicolons', 'QUESTDB_USER');
  if (password.trim() === '' || password.includes(';')) throw new InvalidArgumentError('must not be white space only or hold a semicolon', 'QUESTDB_PASSWORD');
  return { kind: 'basic', user, password };
}

function parseCaFile(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const file = raw.trim();
  if (!existsSync(file) || !statSync(file).isFile()) throw new InvalidArgumentError(`is not a file: ${JSON.stringify(file)}`, name);
  return file;
}

function parseMetricsAuth(env: Env): MetricsAuth | undefined {
  const basic = parseBasicAuth(env, 'CDN_ETL_METRICS_USER', 'CDN_ETL_METRICS_PASSWORD');
  const token = env.CDN_ETL_METRICS_TOKEN === undefined || env.CDN_ETL_METRICS_TOKEN === '' ? undefined : env.CDN_ETL_METRICS_TOKEN;
  if (basic && token) throw new InvalidArgumentError('give either CDN_ETL_METRICS_USER/CDN_ETL_METRICS_PASSWORD or CDN_ETL_METRICS_TOKEN, not both', 'CDN_ETL_METRICS_TOKEN');
  if (basic) return { kind: 'basic', ...basic };
  if (token === undefined) return undefined;
  checkSecretStrength(token, 'CDN_ETL_METRICS_TOKEN');
  if (!/^[\x21-\x7e]+$/.test(token)) throw new InvalidArgumentError('must be printable ASCII without spaces', 'CDN_ETL_METRICS_TOKEN');
  return { kind: 'bearer', token };
}

function parseHttpHosts(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((h) => {
    const host = h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!/^[a-z0-9.:-]{1,253}$/.test(host) || (host.includes(':') && isIP(host) !== 6)) throw new InvalidArgumentError(`must be host names or addresses separated by commas (no port), got ${JSON.stringify(h.trim())}`, 'CDN_ETL_HTTP_HOSTS');
    return host;
  });
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

const UNPARSABLE_MESSAGE = 'is not a valid URL (its text is not shown: it may hold a password; percent-encode special characters in the password)';

function parseUrl(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echoed: a password with an unencoded `#` or `@` is the usual reason a URL does not parse.
    throw new InvalidArgumentError(UNPARSABLE_MESSAGE, name);
  }
  // `redis://u:123#x@h` parses (host u, port 123): a password with an unencoded `#`, refused the same way.
  if (url.hash.includes('@')) throw new InvalidArgumentError(UNPARSABLE_MESSAGE, name);
  return url;
}

function parseHttpUrl(raw: string, name: string, httpsExpected: boolean): string {
  const url = parseUrl(raw, name);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`must be an http:// or https:// URL${httpsExpected ? ' (https for Alibaba Cloud, http for a local simulator)' : ''}, got ${redactUrl(raw)}`, name);
  }
  if (url.username || url.password) throw new InvalidArgumentError('must not carry credentials in the URL', name);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new InvalidArgumentError(`must be a bare origin such as http://127.0.0.1:9000, got ${redactUrl(raw)}`, name);
  }
  return url.origin;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts a plain-http URL may name without an opt-out. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function parseEndpoint(raw: string, name: string, optOut: string | undefined): { origin: string; insecure: boolean } {
  const origin = parseHttpUrl(raw, name, true);
  const url = new URL(origin);
  if (url.protocol === 'https:' || isLoopbackHost(url.hostname)) return { origin, insecure: false };
  const allowed = optOut !== undefined && ['1', 'true', 'yes'].includes(optOut.trim().toLowerCase());
  if (!allowed) {
    throw new InvalidArgumentError(
      `must be https:// (signed calls and the STS token must not travel in clear); plain http:// is allowed only for a loopback host such as 127.0.0.1, or with ${INSECURE_ENDPOINT_VARIABLE}=1`,
      name,
    );
  }
  return { origin, insecure: true };
}

function parseRedisUrl(raw: string, name: string): string {
  const url = parseUrl(raw, name);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`must be a redis:// or rediss:// URL, got ${redactUrl(raw)}`, name);
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db)) {
    throw new InvalidArgumentError(`database number must be 0 to 15, got ${JSON.stringify(db)}`, name);
  }
  return raw;
}

function parsePgUrl(raw: string, name: string): string {
  const url = parseUrl(raw, name);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidArgumentError(`must be a postgres:// URL, got ${redactUrl(raw)}`, name);
  }
  // A command line is visible to every user of the machine (ps): the password comes from the environment.
  if (name === '--questdb-pg' && carriesSecret(raw)) {
    throw new InvalidArgumentError('must not carry a password (the command line shows in ps): put it in QUESTDB_PG or PGPASSWORD instead', name);
  }
  return raw;
}

function parseQps(raw: string | number | undefined, name: string): number {
  if (raw === undefined || raw === '') return DEFAULTS.apiQps;
  const n = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new InvalidArgumentError(`must be a whole number of calls per second from 1 to 1000, got ${JSON.stringify(String(raw))}`, name);
  }
  return n;
}

function parseLogLevel(raw: string | undefined, name: string): LogLevel {
  if (raw === undefined || raw === '') return DEFAULTS.logLevel;
  const level = raw.trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`, name);
  return level;
}

function parseValueUnit(raw: string | undefined, name: string): ValueUnit {
  if (raw === undefined || raw.trim() === '') return DEFAULTS.valueUnit;
  const v = raw.trim().toLowerCase();
  if (v === 'byte' || v === 'bit') return v;
  throw new InvalidArgumentError(`must be byte or bit (the unit of the API's Value), got ${JSON.stringify(raw)}`, name);
}

function parseZoneSetting(raw: string | undefined, name: string): string {
  if (raw === undefined || raw.trim() === '') return DEFAULTS.timeZone;
  return parseTimeZone(raw, name);
}

function parseSignatureVersion(raw: string | undefined): SignatureVersion {
  if (raw === undefined || raw === '') return DEFAULTS.signatureVersion;
  const v = raw.trim().toLowerCase();
  if (v === 'v3' || v === 'v2') return v;
  throw new InvalidArgumentError(`must be v3 or v2, got ${JSON.stringify(raw)}`, 'CDN_SIGNATURE_VERSION');
}

function parsePrefix(raw: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(raw)) {
    throw new InvalidArgumentError('must be 1 to 64 letters, digits, dots, dashes or underscores', 'CDN_ETL_REDIS_PREFIX');
  }
  return raw;
}
