import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { CommandContext } from '../../src/commands/command.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

function context(env: Record<string, string>): { ctx: CommandContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let errors = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.on('data', (c: Buffer) => (errors += c.toString()));
  return { ctx: { env: { LOG_LEVEL: 'silent', QUESTDB_HTTP, ...env }, stdout, stderr, signal: new AbortController().signal }, out: () => text, err: () => errors };
}

describe('cdn-etl migrate', () => {
  it('applies or skips the real migrations and exits 0; a second run only skips', async () => {
    const first = context({});
    expect(await main(['migrate'], first.ctx)).toBe(0);
    expect(first.out()).toMatch(/^(applied|skipped) {2}001_create_cdn_src_traffic\.sql/m);
    const second = context({});
    expect(await main(['migrate', '--questdb-http', QUESTDB_HTTP], second.ctx)).toBe(0);
    expect(second.out()).toContain('skipped  001_create_cdn_src_traffic.sql (already applied)\n');
    expect(second.out()).toMatch(new RegExp(`QuestDB at ${QUESTDB_HTTP.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is up to date \\(\\d+ migrations? already applied\\)\\nvalue unit: byte\\n$`));
  });

  it('QuestDB down: exit 3 and a clear sentence naming the address and the fix; the code only in the JSON log', async () => {
    const { ctx, err } = context({ QUESTDB_HTTP: 'http://127.0.0.1:9', LOG_LEVEL: 'info' });
    expect(await main(['migrate'], ctx)).toBe(3);
    const [sentence, json] = err().split('\n');
    expect(sentence).toBe('cdn-etl migrate: QuestDB does not answer at http://127.0.0.1:9 (ECONNREFUSED); start it (npm run services:up) or set QUESTDB_HTTP.');
    expect(JSON.parse(json!)).toMatchObject({ level: 50, command: 'migrate', code: 'CDN_ETL_SERVICE_UNAVAILABLE' });
  });

  it('a bad flag is refused naming it, with exit 2', async () => {
    const bad = context({});
    expect(await main(['migrate', '--questdb-http', 'nope'], bad.ctx)).toBe(2);
    expect(bad.err()).toMatch(/^cdn-etl migrate: --questdb-http is not a valid URL/);
    const unknown = context({});
    expect(await main(['migrate', '--bogus'], unknown.ctx)).toBe(2);
    expect(unknown.err()).toMatch(/^cdn-etl migrate: unknown option --bogus\./);
  });

  it('validates only what it uses: CDN_API_QPS=abc does not stop it (issue 16)', async () => {
    const run = context({ CDN_API_QPS: 'abc', CDN_SIGNATURE_VERSION: 'v9' });
    expect(await main(['migrate'], run.ctx)).toBe(0);
    expect(run.err()).toBe('');
  });
});
