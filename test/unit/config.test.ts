import { describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.js';
import { DEFAULTS, loadConfig, redactUrl, requireCredentials } from '../../src/core/config.js';

describe('value unit and time zone settings', () => {
  it.each([
    ['byte', { CDN_VALUE_UNIT: 'byte' }, {}, 'byte', 'UTC'],
    ['bit, any case, spaces', { CDN_VALUE_UNIT: ' BIT ' }, {}, 'bit', 'UTC'],
    ['flag wins', { CDN_VALUE_UNIT: 'bit' }, { valueUnit: 'byte' }, 'byte', 'UTC'],
    ['zone canonicalised', { CDN_ETL_TZ: 'asia/shanghai' }, {}, 'byte', 'Asia/Shanghai'],
    ['zone flag wins', { CDN_ETL_TZ: 'Europe/Berlin' }, { timeZone: 'America/New_York' }, 'byte', 'America/New_York'],
    ['utc spelled z', { CDN_ETL_TZ: 'z' }, {}, 'byte', 'UTC'],
    ['fixed offset, spelled as QuestDB reads it', { CDN_ETL_TZ: 'utc+8' }, {}, 'byte', 'UTC+08:00'],
    ['fixed offset with minutes', { CDN_ETL_TZ: 'UTC-09:30' }, {}, 'byte', 'UTC-09:30'],
  ])('%s', (_name, env, overrides, unit, zone) => {
    const config = loadConfig(env, overrides);
    expect([config.valueUnit, config.timeZone]).toEqual([unit, zone]);
  });
});

describe('loadConfig defaults', () => {
  it('uses the contract defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      credentials: undefined,
      cdnEndpoint: 'https://cdn.aliyuncs.com',
      insecureEndpoint: false,
      signatureVersion: 'v3',
      apiQps: 10,
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'cdn-etl',
      questdbHttp: 'http://127.0.0.1:9000',
      questdbPg: 'postgres://admin:quest@127.0.0.1:8812/qdb',
      logLevel: 'info',
      questdbAuth: undefined,
      questdbTlsCa: undefined,
      dashboardAuth: undefined,
      metricsAuth: undefined,
      httpHosts: [],
      valueUnit: 'byte',
      timeZone: 'UTC',
    });
    expect(DEFAULTS.apiQps).toBe(10);
  });

  it('reads every contract variable', () => {
    const config = loadConfig({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'AKID',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'SECRET',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'TOKEN',
      CDN_ENDPOINT: 'http://127.0.0.1:8080/',
      CDN_API_QPS: '25',
      REDIS_URL: 'redis://127.0.0.1:6379/3',
      QUESTDB_HTTP: 'http://10.0.0.5:9000',
      QUESTDB_PG: 'postgresql://u:p@10.0.0.5:8812/qdb',
      LOG_LEVEL: 'DEBUG',
      CDN_SIGNATURE_VERSION: 'v2',
      CDN_ETL_REDIS_PREFIX: 'site-b',
    });
    expect(config.credentials).toEqual({ accessKeyId: 'AKID', accessKeySecret: 'SECRET', securityToken: 'TOKEN' });
    expect(config.cdnEndpoint).toBe('http://127.0.0.1:8080');
    expect(config.apiQps).toBe(25);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379/3');
    expect(config.questdbHttp).toBe('http://10.0.0.5:9000');
    expect(config.logLevel).toBe('debug');
    expect(config.signatureVersion).toBe('v2');
    expect(config.redisPrefix).toBe('site-b');
  });

  it('lets flags override the environment', () => {
    const config = loadConfig({ CDN_API_QPS: '5', CDN_ENDPOINT: 'https://a:1' }, { apiQps: '7', cdnEndpoint: 'https://b:2' });
    expect(config.apiQps).toBe(7);
    expect(config.cdnEndpoint).toBe('https://b:2');
  });
});

describe('loadConfig refusals name the variable or flag', () => {
  it.each([
    ['zero QPS', { CDN_API_QPS: '0' }, {}, 'CDN_API_QPS'],
    ['negative QPS', { CDN_API_QPS: '-3' }, {}, 'CDN_API_QPS'],
    ['fractional QPS', { CDN_API_QPS: '2.5' }, {}, 'CDN_API_QPS'],
    ['word QPS', { CDN_API_QPS: 'ten' }, {}, 'CDN_API_QPS'],
    ['QPS flag', {}, { apiQps: '0' }, '--qps'],
    ['endpoint not a URL', { CDN_ENDPOINT: 'cdn.aliyuncs.com' }, {}, 'CDN_ENDPOINT'],
    ['endpoint ftp', { CDN_ENDPOINT: 'ftp://cdn.aliyuncs.com' }, {}, 'CDN_ENDPOINT'],
    ['endpoint with path', { CDN_ENDPOINT: 'https://cdn.aliyuncs.com/x' }, {}, 'CDN_ENDPOINT'],
    ['endpoint with credentials', { CDN_ENDPOINT: 'https://u:p@cdn.aliyuncs.com' }, {}, 'CDN_ENDPOINT'],
    ['redis scheme', { REDIS_URL: 'http://127.0.0.1:6379' }, {}, 'REDIS_URL'],
    ['redis db out of range', { REDIS_URL: 'redis://127.0.0.1:6379/16' }, {}, 'REDIS_URL'],
    ['questdb http scheme', { QUESTDB_HTTP: 'tcp://127.0.0.1:9000' }, {}, 'QUESTDB_HTTP'],
    ['questdb pg scheme', { QUESTDB_PG: 'mysql://127.0.0.1:8812' }, {}, 'QUESTDB_PG'],
    ['log level', { LOG_LEVEL: 'loud' }, {}, 'LOG_LEVEL'],
    ['signature version', { CDN_SIGNATURE_VERSION: 'v4' }, {}, 'CDN_SIGNATURE_VERSION'],
    ['prefix with colon', { CDN_ETL_REDIS_PREFIX: 'a:b' }, {}, 'CDN_ETL_REDIS_PREFIX'],
    ['secret without id', { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' }, {}, 'ALIBABA_CLOUD_ACCESS_KEY_ID'],
    ['id without secret', { ALIBABA_CLOUD_ACCESS_KEY_ID: 'a' }, {}, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    ['token without keys', { ALIBABA_CLOUD_SECURITY_TOKEN: 't' }, {}, 'ALIBABA_CLOUD_SECURITY_TOKEN'],
    ['value unit word', { CDN_VALUE_UNIT: 'octet' }, {}, 'CDN_VALUE_UNIT'],
    ['value unit plural', { CDN_VALUE_UNIT: 'bytes' }, {}, 'CDN_VALUE_UNIT'],
    ['value unit flag', {}, { valueUnit: 'kb' }, '--value-unit'],
    ['unknown zone', { CDN_ETL_TZ: 'Mars/Olympus' }, {}, 'CDN_ETL_TZ'],
    ['zone abbreviation', { CDN_ETL_TZ: 'CST' }, {}, 'CDN_ETL_TZ'],
    ['zone flag', {}, { timeZone: 'Asia/Nowhere' }, '--tz'],
  ])('%s', (_name, env, overrides, source) => {
    const err = refusal(() => loadConfig(env, overrides));
    expect(err.code).toBe('CDN_ETL_INVALID_ARGUMENT');
    expect(err.source).toBe(source);
    expect(err.message.startsWith(`${source}: `)).toBe(true);
  });

  it('never echoes the secret, even when it is malformed', () => {
    const err = refusal(() => loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sec ret-value' }));
    expect(err.message).not.toContain('sec ret-value');
    expect(err.source).toBe('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  });

  it('never echoes a password from a bad URL', () => {
    const err = refusal(() => loadConfig({ REDIS_URL: 'http://user:hunter2@127.0.0.1:6379' }));
    expect(err.message).not.toContain('hunter2');
  });
});

describe('requireCredentials', () => {
  it('names the variables to set when credentials are missing', () => {
    const err = refusal(() => requireCredentials(loadConfig({})));
    expect(err.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    expect(err.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://admin:quest@127.0.0.1:8812/qdb')).toBe('postgres://admin:***@127.0.0.1:8812/qdb');
  });
});

describe('ops server secrets (issue 15, finding 6)', () => {
  it.each([
    ['eight spaces', { CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: '        ' }, 'CDN_ETL_DASHBOARD_PASSWORD'],
    ['spaces around a short one', { CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: ' \t abc  \n ' }, 'CDN_ETL_DASHBOARD_PASSWORD'],
    ['metrics password of spaces', { CDN_ETL_METRICS_USER: 'prom', CDN_ETL_METRICS_PASSWORD: '          ' }, 'CDN_ETL_METRICS_PASSWORD'],
    ['metrics token of spaces', { CDN_ETL_METRICS_TOKEN: '         ' }, 'CDN_ETL_METRICS_TOKEN'],
    ['both metrics schemes', { CDN_ETL_METRICS_USER: 'prom', CDN_ETL_METRICS_PASSWORD: 'pw-long-enough', CDN_ETL_METRICS_TOKEN: 'tok-long-enough' }, 'CDN_ETL_METRICS_TOKEN'],
    ['a host with a port', { CDN_ETL_HTTP_HOSTS: 'etl.internal:9464' }, 'CDN_ETL_HTTP_HOSTS'],
  ])('refuses %s', (_name, env, source) => {
    const err = refusal(() => loadConfig(env));
    expect(err.source).toBe(source);
  });

  it('a whitespace-only password is refused with a message that does not echo it', () => {
    const err = refusal(() => loadConfig({ CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: '        ' }));
    expect(err.message).toBe('CDN_ETL_DASHBOARD_PASSWORD: must be at least 8 characters other than white space');
  });

  it('reads the metrics auth and host names', () => {
    expect(loadConfig({ CDN_ETL_METRICS_TOKEN: 'tok-long-enough', CDN_ETL_HTTP_HOSTS: 'ETL.internal, [::1]' })).toMatchObject({
      metricsAuth: { kind: 'bearer', token: 'tok-long-enough' },
      httpHosts: ['etl.internal', '::1'],
    });
  });
});

describe('--questdb-pg takes no password (issue 15, finding 6)', () => {
  it.each([['postgres://admin:quest@127.0.0.1:8812/qdb'], ['postgres://admin@127.0.0.1:8812/qdb?password=quest'], ['postgres://admin@127.0.0.1:8812/qdb?sslpassword=x']])('refuses %s', (url) => {
    const err = refusal(() => loadConfig({}, { questdbPg: url }));
    expect(err.message).toBe('--questdb-pg: must not carry a password (the command line shows in ps): put it in QUESTDB_PG or PGPASSWORD instead');
    expect(err.message).not.toContain('quest@');
  });

  it('accepts it without one, and QUESTDB_PG with one', () => {
    expect(loadConfig({}, { questdbPg: 'postgres://admin@127.0.0.1:8812/qdb' }).questdbPg).toBe('postgres://admin@127.0.0.1:8812/qdb');
    expect(loadConfig({ QUESTDB_PG: 'postgres://admin:quest@127.0.0.1:8812/qdb' }).questdbPg).toBe('postgres://admin:quest@127.0.0.1:8812/qdb');
  });
});
