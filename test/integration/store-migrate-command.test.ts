import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { migrateCommand } from '../../src/commands/migrate.js';
import type { CommandContext } from '../../src/commands/command.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

function context(env: Record<string, string>): { ctx: CommandContext; out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.resume();
  return { ctx: { env: { LOG_LEVEL: 'silent', QUESTDB_HTTP, ...env }, stdout, stderr, signal: new AbortController().signal }, out: () => text };
}

describe('cdn-etl migrate', () => {
  it('applies or skips the real migrations and exits 0; a second run only skips', async () => {
    const first = context({});
    expect(await migrateCommand.run([], first.ctx)).toBe(0);
    expect(first.out()).toMatch(/^(applied|skipped) {2}001_create_cdn_src_traffic\.sql/m);
    const second = context({});
    expect(await migrateCommand.run(['--questdb-http', QUESTDB_HTTP], second.ctx)).toBe(0);
    expect(second.out()).toContain('skipped  001_create_cdn_src_traffic.sql (already applied)\n');
    expect(second.out()).toMatch(new RegExp(`QuestDB at ${QUESTDB_HTTP.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is up to date \\(\\d+ migrations? already applied\\)\\n$`));
  });

  it('QuestDB down: a clear ServiceUnavailableError naming the address and the fix', async () => {
    const { ctx } = context({ QUESTDB_HTTP: 'http://127.0.0.1:9' });
    await expect(migrateCommand.run([], ctx)).rejects.toMatchObject({
      code: 'CDN_ETL_SERVICE_UNAVAILABLE',
      message: 'QuestDB does not answer at http://127.0.0.1:9 (ECONNREFUSED); start it (npm run services:up) or set QUESTDB_HTTP',
    });
  });

  it('a bad flag is refused naming it', async () => {
    const { ctx } = context({});
    await expect(migrateCommand.run(['--questdb-http', 'nope'], ctx)).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--questdb-http' });
    await expect(migrateCommand.run(['--bogus'], ctx)).rejects.toMatchObject({ code: 'CDN_ETL_INVALID_ARGUMENT' });
  });
});
