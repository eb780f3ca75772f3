/**
 * The commander program of cdn-etl, built from command-specs.ts: did-you-mean for commands and flags,
 * `help <command>`, `-V/--version`, and generated help in which every command lists its flags, the environment
 * variables it reads and its exit codes, all aligned on one column and wrapped to the terminal. Builds and parses
 * only; running a command (and mapping errors to exit codes) is src/cli.ts's job.
 */
import { Command, Help, Option } from 'commander';
import { COMMAND_SPECS, type CommandSpec } from './command-specs.js';
import type { ParsedArgs } from './command.js';
import { ENV_VARS, type EnvName } from './env-vars.js';

export const VERSION = '0.1.0';

export interface ProgramIo {
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  /** Help width: the terminal's columns, or undefined for 80. */
  readonly columns?: number | undefined;
  /** Called with the command's spec and flags once commander has parsed them. */
  readonly run: (spec: CommandSpec, args: ParsedArgs, globals: { readonly verbose: boolean }) => Promise<void>;
}

/** Commander's Help, plus the sections cdn-etl adds: Environment and Exit codes, aligned with the options. */
class CdnEtlHelp extends Help {
  override formatHelp(cmd: Command, helper: Help): string {
    const base = super.formatHelp(cmd, helper).replace(/\n+$/, '');
    const sections: string[] = [base];
    const spec = specOf(cmd);
    const env = envOf(cmd);
    if (env.length > 0) {
      // Its own column: the longest variable name (36 characters) would squeeze every option's text.
      const width = Math.max(...env.map((name) => name.length));
      sections.push('', cmd.parent ? 'Environment (the command reads only these):' : 'Environment (each command lists the ones it reads):');
      for (const name of env) sections.push(helper.formatItem(name, width, ENV_VARS[name], helper));
    }
    if (spec) {
      sections.push('', 'Exit codes:', ...helper.boxWrap(spec.exit, (helper.helpWidth ?? 80) - 2).split('\n').map((line) => `  ${line}`));
      if (spec.examples && spec.examples.length > 0) sections.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
    } else {
      sections.push('', `Run \`cdn-etl help <command>\` for the options, environment and exit codes of one command.`);
    }
    return sections.join('\n') + '\n';
  }
}

const SPEC = Symbol('cdn-etl spec');
type WithSpec = Command & { [SPEC]?: CommandSpec };

function specOf(cmd: Command): CommandSpec | undefined {
  return (cmd as WithSpec)[SPEC];
}

/** A command's variables; for the program itself, every variable any command reads, in table order. */
function envOf(cmd: Command): readonly EnvName[] {
  const spec = specOf(cmd);
  if (spec) return spec.env;
  if (cmd.parent) return [];
  const used = new Set(COMMAND_SPECS.flatMap((s) => s.env));
  return (Object.keys(ENV_VARS) as EnvName[]).filter((name) => used.has(name));
}

/** The long name without dashes of each option, as ParsedArgs keys it (`retry-failed`). */
function parsedArgsOf(cmd: Command): ParsedArgs {
  const opts = cmd.opts();
  const values: Record<string, string | boolean | undefined> = {};
  for (const option of cmd.options as readonly Option[]) {
    const value = opts[option.attributeName()] as string | boolean | undefined;
    if (value !== undefined && option.long) values[option.long.replace(/^--/, '')] = value;
  }
  return { values, positionals: cmd.args };
}

/** The program, ready for `parseAsync(argv, { from: 'user' })`; errors are thrown (exitOverride), never exit. */
export function buildProgram(io: ProgramIo): Command {
  const program = new Command('cdn-etl');
  const output = {
    writeOut: io.writeOut,
    writeErr: io.writeErr,
    getOutHelpWidth: () => io.columns ?? 80,
    getErrHelpWidth: () => io.columns ?? 80,
    // Help text is plain: colours in help would end up in docs and pipes.
    getOutHasColors: () => false,
    getErrHasColors: () => false,
    // src/cli.ts words commander's errors as sentences from the thrown CommanderError.
    outputError: (): void => undefined,
  };
  program
    .description('Archive Alibaba Cloud CDN origin-pull traffic (DescribeDomainRealTimeSrcTrafficData) into QuestDB, forever.')
    .usage('<command> [options]')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show the help of a command')
    .option('--verbose', 'on an error, also print its internal code and cause')
    .configureOutput(output)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .exitOverride();
  program.createHelp = () => Object.assign(new CdnEtlHelp(), program.configureHelp());

  for (const spec of COMMAND_SPECS) {
    const sub = program
      .command(spec.name)
      .summary(spec.summary)
      .description(`${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.\n\n${spec.description.replace(/\n/g, ' ')}`)
      .usage(spec.usage)
      .allowExcessArguments(false);
    (sub as WithSpec)[SPEC] = spec;
    sub.createHelp = () => Object.assign(new CdnEtlHelp(), sub.configureHelp());
    for (const a of spec.arguments ?? []) sub.argument(a.name, a.description);
    for (const o of spec.options) sub.addOption(new Option(o.flags, o.description));
    sub.action(async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      await io.run(spec, parsedArgsOf(cmd), { verbose: program.opts().verbose === true });
    });
  }
  return program;
}
