/**
 * Reading a command's parsed flags (commander parses them in src/cli.ts; ParsedArgs carries them by long name),
 * and the validations several commands share. Every refusal is an InvalidArgumentError naming the flag: exit 2
 * before anything is enqueued or any call made.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../core/errors.js';
import { parseTimeZone } from '../core/time-zone.js';
import type { CommandBody, CommandContext, ParsedArgs } from './command.js';
import { parseDomains } from '../plan/parse-domains.js';
import { parseRange, type TimeRange } from '../plan/parse-range.js';

export type { ParsedArgs } from './command.js';

/** A command's body, typed; the flags and help live in command-specs.ts so that help loads nothing heavy. */
export function commandBody(body: CommandBody): CommandBody {
  return body;
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

/** A whole-number flag without a default: undefined when absent; exit 2 (InvalidArgumentError) out of [min, max]. */
export function optionalIntFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  return stringFlag(args, name) === undefined ? undefined : intFlag(args, name, min, min, max);
}

/**
 * The required --domains list, validated. `@FILE` reads the list from a file (one per line, or comma-separated,
 * `#` comments): an account's 10,000 domains do not fit in one command-line argument (128 KiB on Linux).
 */
export function domainsFlag(args: ParsedArgs): string[] {
  const value = requiredFlag(args, 'domains');
  if (!value.startsWith('@')) return parseDomains(value);
  let text: string;
  try {
    text = readFileSync(value.slice(1), 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read the domain list ${JSON.stringify(value.slice(1))}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, '--domains');
  }
  const list = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join(',');
  return parseDomains(list);
}

/** The zone of times typed without an offset: `--tz`, else CDN_ETL_TZ, else UTC. */
export function zoneFlag(args: ParsedArgs, ctx: Pick<CommandContext, 'env'>): string {
  const flag = stringFlag(args, 'tz');
  if (flag !== undefined) return parseTimeZone(flag, '--tz');
  const env = ctx.env.CDN_ETL_TZ;
  return env === undefined || env.trim() === '' ? 'UTC' : parseTimeZone(env, 'CDN_ETL_TZ');
}

/** The required --from/--to range (any form parse-range.ts reads), validated against `now`. */
export function rangeFlags(args: ParsedArgs, now: number, zone = 'UTC'): TimeRange {
  return parseRange(requiredFlag(args, 'from'), requiredFlag(args, 'to'), now, zone);
}
