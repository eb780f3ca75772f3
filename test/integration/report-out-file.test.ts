/**
 * Issue 15, finding 8: `report --out` never follows a link at the target, and writes through a temporary file in
 * the same folder that is renamed over the target (no half-written report, no temporary file left behind).
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/core/write-file-atomic.js';
import { migrate, runCli } from '../helpers/pipeline-fixture.js';
import { QUESTDB_HTTP, QUESTDB_PG } from '../helpers/test-services.js';

describe('report --out (issue 15, finding 8)', () => {
  let dir: string;
  const env = { QUESTDB_HTTP, QUESTDB_PG, LOG_LEVEL: 'warn' };
  const range = ['--domains', 'out-file.example', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-01T06:00:00Z'];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdn-etl-report-out-'));
    await migrate();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a symbolic link at --out, exit 2, and leaves its target untouched', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'link.html');
    symlinkSync(victim, link);
    const r = await runCli(['report', ...range, '--out', link], env);
    expect(r.code).toBe(2);
    const [sentence, json, rest] = r.stderr.split('\n');
    expect(sentence).toBe(`cdn-etl report: --out: ${link} is a symbolic link: give the real file (a link at --out is never followed).`);
    expect(JSON.parse(json!)).toMatchObject({ command: 'report', code: 'CDN_ETL_INVALID_ARGUMENT', source: '--out' });
    expect(rest).toBe('');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('replaces an existing report through a renamed temporary file', async () => {
    const out = join(dir, 'report.html');
    writeFileSync(out, 'old');
    const r = await runCli(['report', ...range, '--out', out], env);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith('<!DOCTYPE html>')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writeFileAtomic replaces a link planted at the target instead of writing through it', () => {
    const victim = join(dir, 'victim2.txt');
    writeFileSync(victim, 'precious\n');
    const target = join(dir, 'raced.html');
    symlinkSync(victim, target);
    writeFileAtomic(target, 'report');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('report');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
