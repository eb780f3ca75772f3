/** `cdn-etl simulate` through the CLI entry: prints what to use, serves, stops on the abort signal. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { DEMO_CREDENTIALS } from '../../src/sim/simulator.js';
import { call, raw } from './sim-call-helper.js';

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { stream, text: () => out };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cdn-etl simulate', () => {
  it('prints the URL and the demo pair, serves the configured domains, exits 0 on abort', async () => {
    const out = sink();
    const err = sink();
    const controller = new AbortController();
    const exit = main(['simulate', '--port', '0', '--qps', '5', '--domains', 'cli-a.example.com,cli-b.example.com:offline'], {
      env: {},
      stdout: out.stream,
      stderr: err.stream,
      signal: controller.signal,
    });
    await until(() => out.text().includes('listening on'));
    const url = /listening on (http:\/\/\S+)/.exec(out.text())![1]!;
    expect(out.text()).toContain(`export CDN_ENDPOINT=${url}`);
    expect(out.text()).toContain(`export ALIBABA_CLOUD_ACCESS_KEY_ID=${DEMO_CREDENTIALS.accessKeyId}`);
    expect(out.text()).toContain(`export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${DEMO_CREDENTIALS.accessKeySecret}`);
    expect((await raw(url, { method: 'GET', path: '/' })).json).toMatchObject({ service: 'cdn-etl simulator', domains: 2, qps: 5 });
    const list = await call(url, { action: 'DescribeUserDomains' });
    expect(list.json.Domains.PageData.map((d: { DomainName: string; DomainStatus: string }) => `${d.DomainName}:${d.DomainStatus}`)).toEqual([
      'cli-a.example.com:online',
      'cli-b.example.com:offline',
    ]);
    controller.abort('SIGINT');
    expect(await exit).toBe(0);
    expect(out.text()).toContain('simulator stopped after 1 calls (0 throttled)');
    await expect(raw(url, { method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('uses the pair from the environment and never prints its secret', async () => {
    const out = sink();
    const controller = new AbortController();
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIfromenv', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-value' };
    const exit = main(['simulate', '--throttle-status', '503', '--retry-after-ms', '200', '--qps', '1'], { env, stdout: out.stream, stderr: sink().stream, signal: controller.signal });
    await until(() => out.text().includes('listening on'));
    const url = /listening on (http:\/\/\S+)/.exec(out.text())![1]!;
    expect(out.text()).toContain('LTAIfromenv');
    expect(out.text()).not.toContain('env-secret-value');
    expect((await call(url, { action: 'DescribeUserDomains', accessKeyId: 'LTAIfromenv', accessKeySecret: 'env-secret-value' })).status).toBe(200);
    expect((await call(url, { action: 'DescribeUserDomains' })).json.Code).toBe('InvalidAccessKeyId.NotFound');
    controller.abort('SIGTERM');
    expect(await exit).toBe(0);
  });

  const badFlags = [
    { argv: ['--throttle-status', '429'], flag: '--throttle-status' },
    { argv: ['--reset-rate', '1.5'], flag: '--reset-rate' },
    { argv: ['--domains', 'a.example.com:sleeping'], flag: '--domains' },
    { argv: ['--port', '70000'], flag: '--port' },
    { argv: ['--qps', '10', '--competing-qps', '11'], flag: '--competing-qps' },
    { argv: ['--competing-until-calls', '100'], flag: '--competing-until-calls' },
  ];
  it.each(badFlags)('exits 2 naming $flag for bad input', async ({ argv, flag }) => {
    const err = sink();
    const code = await main(['simulate', ...argv], { env: {}, stdout: sink().stream, stderr: err.stream, signal: new AbortController().signal });
    expect(code).toBe(2);
    expect(err.text()).toContain(flag);
  });
});
