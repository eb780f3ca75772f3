#!/usr/bin/env node
// Prints docs/CLI.md: the help of cdn-etl and of every command, as the compiled CLI prints it on an 80-column
// pipe. `npm run build && node scripts/cli-doc.mjs > docs/CLI.md`; test/unit/cli-doc.test.ts checks that the file
// is current.
import { PassThrough } from 'node:stream';
import { main } from '../dist/cli.js';
import { COMMAND_SPECS } from '../dist/commands/command-specs.js';

async function help(argv) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d) => (text += d.toString()));
  await main(argv, { env: {}, stdout, stderr: new PassThrough(), signal: new AbortController().signal });
  return text;
}

const parts = [
  '# cdn-etl command line',
  '',
  'Generated from the CLI itself (`npm run build && node scripts/cli-doc.mjs > docs/CLI.md`); `cdn-etl help <command>`',
  'prints the same. Each command lists every environment variable it reads, and reads no other.',
  '',
  '## cdn-etl',
  '',
  '```',
  (await help(['--help'])).trimEnd(),
  '```',
];
for (const spec of COMMAND_SPECS) {
  parts.push('', `## cdn-etl ${spec.name}`, '', '```', (await help(['help', spec.name])).trimEnd(), '```');
}
process.stdout.write(`${parts.join('\n')}\n`);
