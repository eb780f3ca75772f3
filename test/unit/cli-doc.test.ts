/** docs/CLI.md is the help the CLI prints (issue 16): regenerate it with scripts/cli-doc.mjs when help changes. */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { COMMAND_SPECS } from '../../src/commands/command-specs.js';

async function help(argv: string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  await main(argv, { env: {}, stdout, stderr: new PassThrough(), signal: new AbortController().signal });
  return text.trimEnd();
}

describe('docs/CLI.md', () => {
  const doc = readFileSync(new URL('../../docs/CLI.md', import.meta.url), 'utf8');
  const cases: [string, string[]][] = [['cdn-etl', ['--help']], ...COMMAND_SPECS.map((s): [string, string[]] => [`cdn-etl ${s.name}`, ['help', s.name]])];
  it.each(cases)('holds the current help of %s', async (title, argv) => {
    const section = doc.split(`\n## ${title}\n`)[1]!;
    const block = /```\n([\s\S]*?)\n```/.exec(section)![1];
    expect(block, 'run: npm run build && node scripts/cli-doc.mjs > docs/CLI.md').toBe(await help(argv));
  });
});
