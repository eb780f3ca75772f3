import { describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.js';
import { loadConfig } from '../../src/core/config.js';
import { parseOpsFlags } from '../../src/commands/ops-flags.js';

describe('parseOpsFlags', () => {
  it.each([
    { name: 'defaults: 9464 on loopback, read-only', values: {}, out: { port: 9464, portExplicit: false, host: '127.0.0.1', queueActions: false } },
    { name: 'compose flags', values: { 'http-port': '9464', 'http-host': '0.0.0.0' }, out: { port: 9464, portExplicit: true, host: '0.0.0.0', queueActions: false } },
    { name: 'port 0 means no HTTP server', values: { 'http-port': '0' }, out: { port: undefined, portExplicit: true, host: '127.0.0.1', queueActions: false } },
    { name: 'IPv6 in brackets', values: { 'http-host': '[::1]' }, out: { port: 9464, portExplicit: false, host: '::1', queueActions: false } },
    { name: 'host name', values: { 'http-host': 'worker-1.internal' }, out: { port: 9464, portExplicit: false, host: 'worker-1.internal', queueActions: false } },
    { name: 'actions enabled', values: { 'queues-actions': true, 'http-port': '19464' }, out: { port: 19464, portExplicit: true, host: '127.0.0.1', queueActions: true } },
  ])('$name', ({ values, out }) => {
    expect(parseOpsFlags(values)).toEqual(out);
  });

  it.each([
    { name: 'negative port', values: { 'http-port': '-1' }, source: '--http-port' },
    { name: 'port too large', values: { 'http-port': '65536' }, source: '--http-port' },
    { name: 'port not a number', values: { 'http-port': '94a' }, source: '--http-port' },
    { name: 'empty port', values: { 'http-port': ' ' }, source: '--http-port' },
    { name: 'host with a path', values: { 'http-host': 'a/b' }, source: '--http-host' },
    { name: 'host with a port', values: { 'http-host': '127.0.0.1:80' }, source: '--http-host' },
  ])('refuses $name naming $source', ({ values, source }) => {
    const err = refusal(() => parseOpsFlags(values));
    expect(err.code).toBe('CDN_ETL_INVALID_ARGUMENT');
    expect(err.source).toBe(source);
  });
});

describe('dashboard basic auth from the environment', () => {
  it.each([
    { name: 'neither set: no auth', env: {}, auth: undefined },
    { name: 'both set', env: { CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: 'long enough pw' }, auth: { user: 'ops', password: 'long enough pw' } },
    { name: 'empty strings count as unset', env: { CDN_ETL_DASHBOARD_USER: '', CDN_ETL_DASHBOARD_PASSWORD: '' }, auth: undefined },
  ])('$name', ({ env, auth }) => {
    expect(loadConfig(env).dashboardAuth).toEqual(auth);
  });

  it.each([
    { name: 'user without password', env: { CDN_ETL_DASHBOARD_USER: 'ops' }, source: 'CDN_ETL_DASHBOARD_PASSWORD' },
    { name: 'password without user', env: { CDN_ETL_DASHBOARD_PASSWORD: 'SECRET-pw-123' }, source: 'CDN_ETL_DASHBOARD_USER' },
    { name: 'colon in user', env: { CDN_ETL_DASHBOARD_USER: 'a:b', CDN_ETL_DASHBOARD_PASSWORD: 'SECRET-pw-123' }, source: 'CDN_ETL_DASHBOARD_USER' },
    { name: 'short password', env: { CDN_ETL_DASHBOARD_USER: 'ops', CDN_ETL_DASHBOARD_PASSWORD: 'SECRET7' }, source: 'CDN_ETL_DASHBOARD_PASSWORD' },
  ])('refuses $name, never echoing the password', ({ env, source }) => {
    const err = refusal(() => loadConfig(env));
    expect(err.source).toBe(source);
    expect(err.message).not.toContain('SECRET');
  });
});
