import { describe, expect, it } from 'vitest';
import { loadConfig, redactUrl as configRedactUrl } from '../../src/core/config.js';
import { hostPortOf, redactUrl } from '../../src/core/redact-url.js';
import { refusal } from '../helpers/refusal.js';

describe('redactUrl: the one redactor (issue 15, findings 1 and 2)', () => {
  it.each([
    ['userinfo password', 'postgres://admin:quest@127.0.0.1:8812/qdb', 'postgres://admin:***@127.0.0.1:8812/qdb'],
    ['ioredis ?password=', 'redis://127.0.0.1:6399/2?password=Canary-r3d1s', 'redis://127.0.0.1:6399/2?password=***'],
    ['pg ?password= among others', 'postgres://admin@127.0.0.1:8812/qdb?sslmode=disable&password=Canary-pg', 'postgres://admin@127.0.0.1:8812/qdb?sslmode=disable&password=***'],
    ['pass, pwd, token, secret, key, any case', 'redis://h:1/0?PASS=a&pwd=b&Token=c&client_secret=d&api_key=e&db=3', 'redis://h:1/0?PASS=***&pwd=***&Token=***&client_secret=***&api_key=***&db=3'],
    ['both at once', 'redis://u:p1@h:1?password=p2', 'redis://u:***@h:1?password=***'],
    ['a fragment is dropped', 'redis://h:1/0#password=p3', 'redis://h:1/0'],
    ['nothing to hide', 'redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('%s', (_name, raw, expected) => {
    expect(redactUrl(raw)).toBe(expected);
    expect(configRedactUrl(raw)).toBe(expected);
  });

  it('never echoes a text that does not parse', () => {
    expect(redactUrl('redis://:pa#ss@127.0.0.1:6379')).toBe('<unparsable URL>');
    // This one parses, the password taken for a port: an `@` in the fragment gives it away.
    expect(redactUrl('redis://user:12345#tail@127.0.0.1:6379')).toBe('<unparsable URL>');
    expect(redactUrl('::not a url:: Canary-x')).toBe('<unparsable URL>');
  });

  it('hostPortOf gives host:port alone', () => {
    expect(hostPortOf('redis://u:pw@10.0.0.5/2?password=x', 6379)).toBe('10.0.0.5:6379');
    expect(hostPortOf('http://127.0.0.1:9500', 9000)).toBe('127.0.0.1:9500');
    expect(hostPortOf('not a url pw', 1)).toBe('<unparsable URL>');
  });
});

describe('config never echoes a URL that carries a password', () => {
  it('an unparsable URL names only the variable', () => {
    const err = refusal(() => loadConfig({ REDIS_URL: 'redis://:Canary#pw@@[bad' }));
    expect(err.code).toBe('CDN_ETL_INVALID_ARGUMENT');
    expect(err.source).toBe('REDIS_URL');
    expect(err.message).toBe('REDIS_URL: is not a valid URL (its text is not shown: it may hold a password; percent-encode special characters in the password)');
  });

  it('a wrong scheme shows the redacted URL', () => {
    const err = refusal(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379/0?password=Canary-q' }));
    expect(err.message).toBe('REDIS_URL: must be a redis:// or rediss:// URL, got http://127.0.0.1:6379/0?password=***');
    const err2 = refusal(() => loadConfig({ QUESTDB_HTTP: 'http://127.0.0.1:9000/?token=Canary-t' }));
    expect(err2.message).toBe('QUESTDB_HTTP: must be a bare origin such as http://127.0.0.1:9000, got http://127.0.0.1:9000/?token=***');
  });
});

describe('CDN_ENDPOINT must be https unless loopback (issue 15, finding 3)', () => {
  it.each([
    ['https', 'https://cdn.aliyuncs.com', 'https://cdn.aliyuncs.com'],
    ['loopback v4', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['loopback 127/8', 'http://127.3.2.1:8080', 'http://127.3.2.1:8080'],
    ['localhost', 'http://localhost:8080', 'http://localhost:8080'],
    ['loopback v6', 'http://[::1]:8080', 'http://[::1]:8080'],
  ])('accepts %s', (_name, raw, origin) => {
    const config = loadConfig({ CDN_ENDPOINT: raw });
    expect([config.cdnEndpoint, config.insecureEndpoint]).toEqual([origin, false]);
  });

  it.each([['http://cdn.aliyuncs.com'], ['http://10.0.0.1:8080'], ['http://127.0.0.1.nip.io']])('refuses %s', (raw) => {
    const err = refusal(() => loadConfig({ CDN_ENDPOINT: raw }));
    expect(err.source).toBe('CDN_ENDPOINT');
    expect(err.message).toBe(
      'CDN_ENDPOINT: must be https:// (signed calls and the STS token must not travel in clear); plain http:// is allowed only for a loopback host such as 127.0.0.1, or with CDN_ETL_INSECURE_PLAIN_HTTP_ENDPOINT=1',
    );
    expect(refusal(() => loadConfig({}, { cdnEndpoint: raw })).source).toBe('--endpoint');
  });

  it('the loud opt-out lets plain http through and marks the config', () => {
    const config = loadConfig({ CDN_ENDPOINT: 'http://cdn.aliyuncs.com', CDN_ETL_INSECURE_PLAIN_HTTP_ENDPOINT: '1' });
    expect([config.cdnEndpoint, config.insecureEndpoint]).toEqual(['http://cdn.aliyuncs.com', true]);
  });
});
