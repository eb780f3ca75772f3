/**
 * Entry point. Parses the command line with commander (commands/program.ts), loads only the command that runs
 * (so `--version` and `--help` load nothing heavy), hands it only the environment variables it declares, and is
 * the only place that maps errors to exit codes: 0 ok, 1 some work failed, 2 bad input (a sentence naming the
 * flag, before anything was enqueued or called), 3 a service is unavailable, 130 interrupted. The internal error
 * code goes to the JSON log (stderr not a terminal) and to `--verbose`, never into the sentence.
 */
import { CommanderError } from 'commander';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, type CommandContext } from './commands/command.js';
import { COMMAND_SPECS, type CommandSpec } from './commands/command-specs.js';
import { commanderSentence, errorSentence } from './commands/cli-errors.js';
import { pickEnv } from './commands/env-vars.js';
import { buildProgram } from './commands/program.js';
import { isCdnEtlError, type CdnEtlError } from './core/errors.js';
import { colorWanted } from './core/terminal-color.js';

export async function main(argv: readonly string[], ctxOverrides: Partial<CommandContext> = {}): Promise<number> {
  const controller = new AbortController();
  const base: CommandContext = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    ...ctxOverrides,
  };
  const columns = (base.stdout as { columns?: number }).columns;
  let exitCode: number = EXIT_OK;
  let current: CommandSpec | undefined;
  let verbose = argv.includes('--verbose');

  const program = buildProgram({
    writeOut: (text) => base.stdout.write(text),
    writeErr: (text) => base.stderr.write(text),
    columns: base.stdout.isTTY === true ? columns : undefined,
    run: async (spec, args, globals) => {
      current = spec;
      verbose = globals.verbose;
      // A command sees only the variables its help names: it validates what it uses and nothing else.
      const env = pickEnv(base.env, spec.env);
      const ctx: CommandContext = { ...base, env, color: colorWanted(env, base.stderr.isTTY === true) };
      const body = await spec.load();
      exitCode = await runWithSignals(() => body.run(args, ctx), ctx, ctxOverrides.signal === undefined ? controller : undefined);
    },
  });

  if (argv.length === 0) {
    base.stdout.write(program.helpInformation());
    return EXIT_USAGE;
  }
  // `-v` printed the version before commander; it still does.
  const args = argv.length === 1 && argv[0] === '-v' ? ['--version'] : [...argv];
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK;
      const where = commandNameIn(args);
      base.stderr.write(`${where ? `cdn-etl ${where}` : 'cdn-etl'}: ${commanderSentence(err.message)}\n`);
      base.stderr.write(`Run \`cdn-etl ${where ? `help ${where}` : 'help'}\` for the usage.\n`);
      if (verbose) base.stderr.write(`  code: ${err.code}\n`);
      jsonLog(base, where, err.code, commanderSentence(err.message));
      return EXIT_USAGE;
    }
    if (isCdnEtlError(err)) {
      report(base, current, err, verbose);
      return err.code === 'CDN_ETL_INVALID_ARGUMENT' ? EXIT_USAGE : EXIT_UNAVAILABLE;
    }
    throw err;
  }
}

/** The command named on the line, if any (for the error's prefix). */
function commandNameIn(argv: readonly string[]): string | undefined {
  return COMMAND_SPECS.find((s) => s.name === argv[0])?.name;
}

/** The sentence on stderr; the code as a JSON log line when stderr is not a terminal, and with --verbose. */
function report(ctx: CommandContext, spec: CommandSpec | undefined, err: CdnEtlError, verbose: boolean): void {
  const name = spec ? `cdn-etl ${spec.name}` : 'cdn-etl';
  const sentence = errorSentence(err);
  ctx.stderr.write(`${name}: ${sentence}\n`);
  if (verbose) {
    ctx.stderr.write(`  code: ${err.code}\n`);
    let cause = (err as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      ctx.stderr.write(`  cause: ${cause.message.split('\n')[0]}\n`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  jsonLog(ctx, spec?.name, err.code, sentence, (err as { source?: string }).source);
}

/** The error as one JSON log line (pino's shape, level 50), when stderr is not a terminal: the JSON log. */
function jsonLog(ctx: CommandContext, command: string | undefined, code: string, msg: string, source?: string): void {
  if (ctx.stderr.isTTY === true || ctx.env.LOG_LEVEL?.trim().toLowerCase() === 'silent') return;
  ctx.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), pid: process.pid, command, code, ...(source ? { source } : {}), msg })}\n`);
}

/** Runs a command with SIGINT/SIGTERM turned into an abort (a second signal exits at once with 130). */
async function runWithSignals(run: () => Promise<number>, ctx: CommandContext, controller: AbortController | undefined): Promise<number> {
  if (!controller) return run();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      ctx.stderr.write(`\ncdn-etl: ${sig} received, finishing in-flight work (send it again to exit at once)\n`);
      controller.abort(sig);
    } else {
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

