/**
 * The servers the suite runs against: the ones named by REDIS_URL, QUESTDB_HTTP and QUESTDB_PG (as for
 * `npm run services:up`), else the defaults. One place, so that the whole suite can be pointed at other servers
 * (a private QuestDB on other ports, say) and never talks to one it was not told about.
 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const QUESTDB_HTTP = process.env.QUESTDB_HTTP ?? 'http://127.0.0.1:9000';
export const QUESTDB_PG = process.env.QUESTDB_PG ?? 'postgres://admin:quest@127.0.0.1:8812/qdb';

/** The TCP ports behind those URLs, for forwarders that cut and restore a connection on purpose. */
export const QUESTDB_HTTP_PORT = Number(new URL(QUESTDB_HTTP).port || 80);
export const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379);

/** The three, as environment variables: for a Config built in a test (`loadConfig({ ...SERVICES_ENV, ... })`). */
export const SERVICES_ENV: Readonly<Record<string, string>> = Object.freeze({ REDIS_URL, QUESTDB_HTTP, QUESTDB_PG });
