/**
 * The `sync` command in this process against the simulator (real clock): `--once` exit codes and output,
 * `--all-domains` discovery with offline domains skipped, the scheduled mode serving /metrics with each domain's
 * freshness lag, and bad input refused with exit 2.
 */
import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/sleep.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { freePort } from '../helpers/ops-fixture.js';
import { cliEnv, readRows, runCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';
import { HOUR, MIN, watermarksOf } from '../helpers/sync-fixture.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('sync command', () => {
  const scope = useTestScope();

  it('--once runs one pass from --since, prints it, exits 0, and a second --once continues from the watermark', async () => {
    const domains = uniqueDomains(2);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 40 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '40' });
    const since = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
    const first = await runCli(['sync', '--once', '--domains', domains.join(','), '--since', iso(since), '--http-port', '0'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^sync pass sync-\d{8}T\d{4}Z-[a-z0-9]{6} \(done\)/);
    expect(first.stdout).toMatch(/, 0 failed, \d+ rows loaded/);
    const wm = await watermarksOf(prefix, domains);
    for (const d of domains) {
      expect(wm.get(d)!.floor).toBe(since);
      expect(first.stdout).toContain(`  watermark ${d}: ${iso(since).replace(':00.000Z', 'Z')} -> `);
    }
    const rows = await readRows(domains);
    expect(Math.min(...rows.map((r) => r.ts))).toBe(since);
    const callsAfterFirst = sim.stats().calls;

    const second = await runCli(['sync', '--once', '--domains', domains.join(','), '--http-port', '0'], env);
    expect(second.code).toBe(0);
    // From the watermark minus 30 minutes, floored to the hour: one or two hours per domain, not the whole range again.
    const calls = sim.stats().calls - callsAfterFirst;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(4);
  }, 60_000);

  it('--all-domains syncs the online domains from --since and skips and names the others', async () => {
    const [on1, on2, off] = uniqueDomains(3) as [string, string, string];
    const prefix = scope.prefix();
    const sim = scope.closeAfterTest(await startSimulator({ qps: 40, domains: [{ name: on1 }, { name: off, status: 'offline' }, { name: on2 }] }));
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '40' });
    const since = Math.floor((Date.now() - HOUR) / MIN) * MIN;
    const result = await runCli(['sync', '--once', '--all-domains', '--since', iso(since), '--http-port', '0'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  new domain(s): ${[on1, on2].sort().join(', ')}\n`);
    expect(result.stdout).toContain(`  skipped (offline): ${off}\n`);
    expect(sim.stats().callsByAction.DescribeUserDomains).toBe(1);
    expect(Object.keys(sim.stats().callsByDomain).sort()).toEqual([on1, on2].sort());
    expect([...(await watermarksOf(prefix, [on1, on2, off])).keys()].sort()).toEqual([on1, on2].sort());
    expect(new Set((await readRows([on1, on2, off])).map((r) => r.domain))).toEqual(new Set([on1, on2]));
  }, 60_000);

  it('scheduled: passes run on the schedule, /metrics shows each domain\'s freshness lag, SIGTERM stops it with exit 0', async () => {
    const domains = uniqueDomains(1);
    const prefix = scope.prefix();
    const sim = await scope.simulator(domains, { qps: 40 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '40' });
    const port = await freePort();
    const since = Math.floor((Date.now() - HOUR) / MIN) * MIN;
    const stop = new AbortController();
    const running = runCli(['sync', '--domains', domains[0]!, '--since', iso(since), '--every', '2s', '--http-port', String(port)], env, stop.signal);
    let metrics = '';
    for (let i = 0; i < 100 && !/cdn_etl_freshness_lag_seconds\{domain="/.test(metrics); i++) {
      await sleep(100);
      metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    }
    const lag = new RegExp(`cdn_etl_freshness_lag_seconds\\{domain="${domains[0]!.replace(/\./g, '\\.')}"\\} (\\d+(?:\\.\\d+)?)`).exec(metrics);
    expect(lag).not.toBeNull();
    // At least the 30 minutes of data delay plus revision; at most the hour since --since.
    expect(Number(lag![1])).toBeGreaterThanOrEqual(30 * 60 - 5);
    expect(Number(lag![1])).toBeLessThanOrEqual(3600 + 60);
    await sleep(2_500);
    stop.abort('SIGTERM');
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^sync pass /gm)!.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('refuses bad input with exit 2 before connecting anywhere', async () => {
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret', REDIS_URL: 'redis://127.0.0.1:1' };
    const cases: [string[], RegExp][] = [
      [['sync', '--once'], /--domains is required \(or --all-domains\)/],
      [['sync', '--domains', 'a.com', '--all-domains'], /give either --domains or --all-domains/],
      [['sync', '--once', '--every', '5m', '--domains', 'a.com'], /--every cannot be combined with --once/],
      [['sync', '--domains', 'a.com', '--every', '5'], /--every: "5" is not a duration/],
      [['sync', '--domains', 'a.com', '--lookback', '8d'], /--lookback must be from 0s to 7d/],
      [['sync', '--domains', 'a.com', '--since', '2026-01-01T00:00:00-00:00'], /--since: .* has the offset -00:00/],
      [['sync', '--domains', 'a.com', '--since', '-7x'], /--since: "7x" is not a duration/],
      [['sync', '--domains', 'a.com', '--since', '2999-01-01'], /--since: .* is in the future/],
      [['sync', '--domains', 'a.com', '--http-port', 'x'], /--http-port/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv, env);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    }
    const noCredentials = await runCli(['sync', '--once', '--domains', 'a.com'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID/);
  });
});
