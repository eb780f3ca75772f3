/**
 * Entry point. Parses the command name, runs the command, and is the only place that maps
 * errors to exit codes: bad input exits 2 with a one-line message, never a stack.
 */
import { COMMANDS } from './commands/index.js';
import { EXIT_UNAVAILABLE, EXIT_USAGE, type CommandContext } from './commands/command.js';
import { isCdnEtlError } from './core/errors.js';

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'cdn-etl: archive Alibaba Cloud CDN origin-pull traffic into QuestDB.',
    '',
    'Usage: cdn-etl <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `cdn-etl <command> --help` for the options of one command.',
    'Configuration comes from the environment (see README.md): ALIBABA_CLOUD_ACCESS_KEY_ID,',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET, CDN_ENDPOINT, CDN_API_QPS, REDIS_URL, QUESTDB_HTTP, QUESTDB_PG, LOG_LEVEL.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], ctxOverrides: Partial<CommandContext> = {}): Promise<number> {
  const controller = new AbortController();
  const ctx: CommandContext = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    ...ctxOverrides,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    ctx.stderr.write(`cdn-etl: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      ctx.stderr.write(`\ncdn-etl: ${sig} received, finishing in-flight work (send it again to exit at once)\n`);
      controller.abort(sig);
    } else {
      process.exit(130);
    }
  };
  const installSignals = ctxOverrides.signal === undefined;
  if (installSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    return await command.run(rest, ctx);
  } catch (err) {
    if (isCdnEtlError(err)) {
      ctx.stderr.write(`cdn-etl ${name}: ${err.message} [${err.code}]\n`);
      return err.code === 'CDN_ETL_INVALID_ARGUMENT' ? EXIT_USAGE : EXIT_UNAVAILABLE;
    }
    throw err;
  } finally {
    if (installSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
