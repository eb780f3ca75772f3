/**
 * Issue 16: the command line on commander. Help is generated, aligned, and lists every environment variable each
 * command reads; did-you-mean for commands and flags; `help <command>`; `-V`; errors as sentences without the
 * internal code. Parse errors never load a command's body, so these run without any server.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { runCli } from '../helpers/pipeline-fixture.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { commanderSentence, errorSentence } from '../../src/commands/cli-errors.js';
import { COMMAND_SPECS, HELP_DEFAULTS } from '../../src/commands/command-specs.js';
import { ENV_VARS, pickEnv } from '../../src/commands/env-vars.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { colorWanted } from '../../src/core/terminal-color.js';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from '../../src/ops/ops-server.js';
import { DEFAULT_FETCH_CONCURRENCY } from '../../src/pipeline/pipeline-workers.js';
import { DEFAULT_GUARD_MS } from '../../src/redis/redis-pacer.js';
import { DEFAULT_DRAIN_S } from '../../src/commands/drain-timeout.js';

/** The CLI in this process, not on a terminal. */
const cli = (argv: string[], env: Record<string, string> = {}) => runCli(argv, env);

describe('help', () => {
  it.each(COMMAND_SPECS.map((s) => [s.name, s] as const))('`help %s` shows that command: usage, every flag, every variable it reads, exit codes', async (name, spec) => {
    const viaHelp = await cli(['help', name]);
    const viaFlag = await cli([name, '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    const text = viaHelp.stdout;
    expect(text.startsWith(`Usage: cdn-etl ${name} `)).toBe(true);
    for (const o of spec.options) expect(text).toContain(o.flags);
    const envSection = text.slice(text.indexOf('Environment (the command reads only these):'), text.indexOf('Exit codes:'));
    const listed = [...envSection.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual([...spec.env]);
    expect(text).toContain('Exit codes:');
  });

  it('aligns each section on one column, wrapped to 80 columns when not on a terminal', async () => {
    const { stdout } = await cli(['help', 'backfill']);
    expect(Math.max(...stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    const options = stdout.slice(stdout.indexOf('Options:'), stdout.indexOf('Global Options:')).split('\n').filter((l) => /^ {2}-/.test(l));
    // The column where each description starts: after the flags and the run of spaces that pads them.
    const columns = new Set(options.map((l) => /^ {2}\S.*? {2,}(?=\S)/.exec(l)![0].length));
    expect(columns.size).toBe(1);
    expect(stdout).not.toContain('--pace-guard-ms N    jitter');
  });

  it('the top-level help names every variable any command reads, the credential and dashboard ones included', async () => {
    const { stdout, code } = await cli(['--help']);
    expect(code).toBe(0);
    for (const name of ['ALIBABA_CLOUD_SECURITY_TOKEN', 'CDN_SIGNATURE_VERSION', 'CDN_ETL_REDIS_PREFIX', 'CDN_ETL_DASHBOARD_USER', 'CDN_ETL_DASHBOARD_PASSWORD', 'QUESTDB_USER', 'QUESTDB_PASSWORD']) {
      expect(stdout).toContain(`  ${name} `);
    }
    for (const name of Object.keys(ENV_VARS)) expect(stdout).toContain(`  ${name} `);
  });

  it('every variable core/config.ts reads is in the table (and so in some help)', () => {
    const source = readFileSync(new URL('../../src/core/config.ts', import.meta.url), 'utf8');
    const constants = new Set(['LOG_LEVELS', 'UNPARSABLE_MESSAGE', 'INSECURE_ENDPOINT_VARIABLE']);
    const named = new Set([...source.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]).filter((n) => !constants.has(n)));
    expect([...named].filter((n) => !(n in ENV_VARS))).toEqual([]);
    expect(named.size).toBeGreaterThan(20);
  });

  it('backfill names its credential variables; migrate does not list CDN_API_QPS', () => {
    const spec = (name: string) => COMMAND_SPECS.find((s) => s.name === name)!;
    expect(spec('backfill').env).toEqual(expect.arrayContaining(['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN']));
    expect(spec('migrate').env).not.toContain('CDN_API_QPS');
    expect(pickEnv({ CDN_API_QPS: 'abc', QUESTDB_HTTP: 'http://q:9000', HOME: '/root' }, spec('migrate').env)).toEqual({ QUESTDB_HTTP: 'http://q:9000' });
  });

  it('defaults shown in help agree with the modules that own them', () => {
    expect(HELP_DEFAULTS).toEqual({ fetchConcurrency: DEFAULT_FETCH_CONCURRENCY, guardMs: DEFAULT_GUARD_MS, httpPort: DEFAULT_HTTP_PORT, httpHost: DEFAULT_HTTP_HOST, drainS: DEFAULT_DRAIN_S });
  });

  it('no command given: the help, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: cdn-etl <command> [options]');
  });
});

describe('version', () => {
  it.each([['-V'], ['--version'], ['-v']])('%s prints the version, exit 0', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });
});

describe('did you mean', () => {
  it.each([
    [['backfil'], 'cdn-etl: unknown command backfil. Did you mean backfill?'],
    [['stauts'], 'cdn-etl: unknown command stauts. Did you mean status?'],
    [['backfill', '--domain', 'a.com'], 'cdn-etl backfill: unknown option --domain. Did you mean --domains?'],
    [['worker', '--concurency', '4'], 'cdn-etl worker: unknown option --concurency. Did you mean --concurrency?'],
    [['sync', '--all-domain'], 'cdn-etl sync: unknown option --all-domain. Did you mean --all-domains?'],
    [['backfill', '--bogus'], 'cdn-etl backfill: unknown option --bogus.'],
    [['backfill', '--from'], 'cdn-etl backfill: option -f, --from <time> needs a value.'],
    [['status', 'a', 'b'], 'cdn-etl status: too many arguments for status. Expected 1 argument but got 2.'],
  ])('%j', async (argv, first) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    const [line1, line2, json] = r.stderr.split('\n');
    expect(line1).toBe(first);
    expect(line2).toMatch(/^Run `cdn-etl help( [a-z]+)?` for the usage\.$/);
    // The internal code is in the JSON log line, not in the sentence.
    expect(first).not.toMatch(/commander\.|CDN_ETL_/);
    expect(JSON.parse(json!)).toMatchObject({ level: 50, code: expect.stringMatching(/^commander\./) });
  });

  it('--verbose adds the internal code; on a terminal there is no JSON line', async () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await main(['backfill', '--bogus', '--verbose'], { env: {}, stdout: new PassThrough(), stderr, signal: new AbortController().signal })).toBe(2);
    expect(err).toBe('cdn-etl backfill: unknown option --bogus.\nRun `cdn-etl help backfill` for the usage.\n  code: commander.unknownOption\n');
  });

  it('a bad flag value is a sentence naming the flag, exit 2, before anything is loaded or connected', async () => {
    const r = await cli(['backfill', '-d', 'a.com', '-f', '2026-11-02', '-t', '2026-11-01']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('cdn-etl backfill: --to must be after --from (2026-11-02T00:00:00Z), got 2026-11-01T00:00:00Z.');
  });
});

describe('errorSentence and commanderSentence', () => {
  it.each([
    [new InvalidArgumentError('is required', '--to'), '--to is required.'],
    [new InvalidArgumentError('must be a whole number from 1 to 1000, got "abc"', 'CDN_API_QPS'), 'CDN_API_QPS must be a whole number from 1 to 1000, got "abc".'],
    [new InvalidArgumentError('give either --domains or --all-domains, not both', '--all-domains'), '--all-domains: give either --domains or --all-domains, not both.'],
    [new InvalidArgumentError('"x" is not a time cdn-etl reads', '--from'), '--from: "x" is not a time cdn-etl reads.'],
    [new InvalidArgumentError('no backfill with that id?'), 'no backfill with that id?'],
  ])('%s', (err, want) => expect(errorSentence(err)).toBe(want));

  it('commander messages lose "error:", quotes and parentheses', () => {
    expect(commanderSentence("error: unknown option '--bogus'\n(Did you mean --domains?)")).toBe('unknown option --bogus. Did you mean --domains?');
  });
});

describe('colorWanted', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
  ])('%j on a terminal=%s -> %s', (env, tty, want) => expect(colorWanted(env, tty)).toBe(want));
});
