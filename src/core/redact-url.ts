/**
 * The one redactor for URLs and connection strings (REDIS_URL, QUESTDB_PG, QUESTDB_HTTP, CDN_ENDPOINT): what may
 * be printed, logged or served. It masks the userinfo password and every query parameter whose name holds
 * `password`, `pass`, `pwd`, `token`, `secret` or `key` (ioredis and pg both honour `?password=`), and drops the
 * fragment. A text that does not parse as a URL is never echoed: it may be a password with an unencoded `#`.
 */

/** Query parameter names (lower-cased substrings) whose values are masked. */
const SECRET_PARAM = /pass|pwd|token|secret|key/i;
export const MASK = '***';
export const UNPARSABLE_URL = '<unparsable URL>';

/**
 * A URL fit for a message or a log line.
 *
 * @example redactUrl('redis://:pw@h:6379/2?password=pw') // 'redis://:***@h:6379/2?password=***'
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return UNPARSABLE_URL;
  }
  // `redis://u:123#x@h` parses, as host `u` and port `123` (the password): an `@` after the `#` means a password
  // with an unencoded `#`, so nothing of it is shown.
  if (url.hash.includes('@')) return UNPARSABLE_URL;
  if (url.password) url.password = MASK;
  for (const name of new Set(url.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, MASK);
  }
  url.hash = '';
  return url.toString();
}

/** Whether the URL holds anything redactUrl masks (a password or a secret-named parameter). */
export function carriesSecret(raw: string): boolean {
  if (!URL.canParse(raw)) return false;
  const url = new URL(raw);
  return url.password !== '' || [...url.searchParams.keys()].some((name) => SECRET_PARAM.test(name));
}

/**
 * Only the host and port of a URL (`127.0.0.1:6379`), for texts served without authentication (/healthz): no
 * user, no path, no query. The port is the scheme's default when the URL names none.
 */
export function hostPortOf(raw: string, defaultPort: number): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return UNPARSABLE_URL;
  }
  const host = url.hostname === '' ? '127.0.0.1' : url.hostname;
  return `${host}:${url.port === '' ? defaultPort : url.port}`;
}
