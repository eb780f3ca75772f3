/** Thin wrapper over node:util parseArgs that turns its errors into InvalidArgumentError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '../core/errors.js';
import type { Command, CommandContext } from './command.js';
import { parseDomains } from '../plan/parse-domains.js';
import { parseRange, type TimeRange } from '../plan/parse-range.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

export function parseCommandArgs(argv: readonly string[], options: Options, allowPositionals = false): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify .*$/s, '') : String(err);
    throw new InvalidArgumentError(message);
  }
}

export interface FlagCommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** The command's flags (`--help` is added); an unknown or malformed flag is refused with exit 2. */
  readonly options: Options;
  readonly allowPositionals?: boolean;
  /** The command's body, given the parsed flags; returns the exit code. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** A Command whose flags are parsed before its body runs, so every command refuses bad flags the same way. */
export function flagCommand(spec: FlagCommandSpec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    run: async (argv, ctx) => spec.run(parseCommandArgs(argv, spec.options, spec.allowPositionals ?? false), ctx),
  };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredFlag(args: ParsedArgs, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined || v.trim() === '') throw new InvalidArgumentError('is required', `--${name}`);
  return v;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A positive whole number flag within [min, max]. */
export function intFlag(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const raw = stringFlag(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`, `--${name}`);
  }
  return n;
}

/** The flags of a command that works on some domains over a time range (backfill, gaps, report). */
export const DOMAIN_RANGE_OPTIONS = {
  domains: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const satisfies Options;

/** The flags of a command that runs fetch workers in its process (backfill, gaps --repair, sync, worker). */
export const WORKER_OPTIONS = {
  concurrency: { type: 'string' },
  qps: { type: 'string' },
  'log-level': { type: 'string' },
} as const satisfies Options;

/** Help lines for {@link DOMAIN_RANGE_OPTIONS}, aligned like the rest of each command's options. */
export const DOMAIN_RANGE_HELP = [
  '  --domains LIST        comma-separated domain names',
  '  --from ISO, --to ISO  UTC instants: 2026-11-01T00:00:00Z, 2026-11-01T00:00Z or 2026-11-01',
] as const;

/** The required --domains list, validated. */
export function domainsFlag(args: ParsedArgs): string[] {
  return parseDomains(requiredFlag(args, 'domains'));
}

/** The required --from/--to range, validated against `now`. */
export function rangeFlags(args: ParsedArgs, now: number): TimeRange {
  return parseRange(requiredFlag(args, 'from'), requiredFlag(args, 'to'), now);
}
