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
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help text, shown by `cdn-etl <command> --help`. */
  readonly help: string;
  /** Returns the exit code. Throws InvalidArgumentError for bad input (exit 2). */
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}
