/** The shape every CLI command module exports. Only src/cli.ts turns results into exit codes. */
import type { Env } from '../core/config.js';

export const EXIT_OK = 0;
/** Stopped by SIGINT/SIGTERM before every chunk ended (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;
/** Some work ended failed (a chunk, a repair): the summary says which. */
export const EXIT_FAILED = 1;
/** Bad input, refused before anything was enqueued or called. */
export const EXIT_USAGE = 2;
/** A required service (Redis, QuestDB) did not answer or another runtime fault. */
export const EXIT_UNAVAILABLE = 3;

export interface CommandContext {
  readonly env: Env;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: long-running commands drain and return. */
  readonly signal: AbortSignal;
  /** Whether stderr takes colours: NO_COLOR/FORCE_COLOR, else whether it is a terminal. */
  readonly color?: boolean;
}

/** A command's body, loaded only when that command runs (command-specs.ts says how to reach it). */
export interface CommandBody {
  readonly name: string;
  /** Given the flags commander parsed; returns the exit code. Throws InvalidArgumentError for bad input (exit 2). */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** A command's flags by their long name without dashes (`retry-failed`), and its positional arguments. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}
