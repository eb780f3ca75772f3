/**
 * Every environment variable cdn-etl reads, with the line its help shows, grouped by what needs them. A command
 * declares the groups it uses (command-specs.ts); its help lists exactly those variables, and src/cli.ts hands it
 * only those, so a command validates only what it uses (`migrate` never sees CDN_API_QPS). core/config.ts parses
 * them; this table only names and explains them. Light on purpose: loaded for `--help` and `--version`.
 */

export const ENV_VARS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'AccessKey id for the CDN API',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'AccessKey secret (never logged or stored)',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'STS token, with a temporary key pair (optional)',
  CDN_ENDPOINT: 'CDN API base URL (default https://cdn.aliyuncs.com; http:// only for loopback)',
  CDN_ETL_INSECURE_PLAIN_HTTP_ENDPOINT: '1 allows a plain http:// CDN_ENDPOINT off this machine',
  CDN_SIGNATURE_VERSION: 'v3 (default) or v2: how API calls are signed',
  CDN_API_QPS: 'API calls per second shared by every worker (default 10)',
  REDIS_URL: 'Redis for queues and progress (default redis://127.0.0.1:6379; /N picks a database)',
  CDN_ETL_REDIS_PREFIX: 'prefix of every Redis key and queue (default cdn-etl)',
  QUESTDB_HTTP: 'QuestDB REST and ILP endpoint (default http://127.0.0.1:9000)',
  QUESTDB_PG: 'QuestDB PG wire URL (default postgres://admin:quest@127.0.0.1:8812/qdb)',
  PGPASSWORD: 'password for QUESTDB_PG when the URL holds none',
  QUESTDB_USER: 'QuestDB HTTP basic-auth user (with QUESTDB_PASSWORD)',
  QUESTDB_PASSWORD: 'QuestDB HTTP basic-auth password',
  QUESTDB_TOKEN: 'QuestDB bearer token, instead of user and password',
  QUESTDB_TLS_CA: 'PEM file of the CA that signed an https:// QUESTDB_HTTP',
  CDN_VALUE_UNIT: 'byte (default) or bit: the unit of the API\'s Value',
  CDN_ETL_TZ: 'zone of times typed without an offset and of days shown (default UTC)',
  CDN_ETL_DASHBOARD_USER: 'basic-auth user for /queues (with CDN_ETL_DASHBOARD_PASSWORD)',
  CDN_ETL_DASHBOARD_PASSWORD: 'basic-auth password for /queues (8+ characters)',
  CDN_ETL_METRICS_USER: 'basic-auth user for /metrics (with CDN_ETL_METRICS_PASSWORD)',
  CDN_ETL_METRICS_PASSWORD: 'basic-auth password for /metrics (8+ characters)',
  CDN_ETL_METRICS_TOKEN: 'bearer token for /metrics, instead of user and password',
  CDN_ETL_HTTP_HOSTS: 'host names the ops server answers to besides its address',
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent',
  NO_COLOR: 'set: no colours in terminal output',
  FORCE_COLOR: 'set (not 0): colours even when not on a terminal',
} as const satisfies Record<string, string>;

export type EnvName = keyof typeof ENV_VARS;

/** Calling the CDN API. */
export const API_ENV: readonly EnvName[] = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'CDN_ENDPOINT',
  'CDN_ETL_INSECURE_PLAIN_HTTP_ENDPOINT',
  'CDN_SIGNATURE_VERSION',
  'CDN_API_QPS',
];
export const REDIS_ENV: readonly EnvName[] = ['REDIS_URL', 'CDN_ETL_REDIS_PREFIX'];
/** Writing to QuestDB (REST, ILP). */
export const QUESTDB_HTTP_ENV: readonly EnvName[] = ['QUESTDB_HTTP', 'QUESTDB_USER', 'QUESTDB_PASSWORD', 'QUESTDB_TOKEN', 'QUESTDB_TLS_CA'];
/** Reading QuestDB over PG wire. */
export const QUESTDB_PG_ENV: readonly EnvName[] = ['QUESTDB_PG', 'PGPASSWORD'];
/** The ops HTTP server (/metrics, /healthz, /queues). */
export const OPS_ENV: readonly EnvName[] = ['CDN_ETL_DASHBOARD_USER', 'CDN_ETL_DASHBOARD_PASSWORD', 'CDN_ETL_METRICS_USER', 'CDN_ETL_METRICS_PASSWORD', 'CDN_ETL_METRICS_TOKEN', 'CDN_ETL_HTTP_HOSTS'];
/** Logs and terminal output. */
export const OUTPUT_ENV: readonly EnvName[] = ['LOG_LEVEL', 'NO_COLOR', 'FORCE_COLOR'];

/** Only the variables `names` lists, so that a command never validates a variable it does not use. */
export function pickEnv(env: Readonly<Record<string, string | undefined>>, names: readonly EnvName[]): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const name of names) if (env[name] !== undefined) picked[name] = env[name];
  return picked;
}
