/**
 * Durations typed by a user (`--every 5m`, `--lookback 30m`). Pure.
 *
 * Accepted: a whole number followed by one unit, `s`, `m`, `h` or `d` (`90s`, `5m`, `1h`, `2d`), or several
 * such parts from the largest unit down (`1h30m`). Refused: no unit (`300`: seconds or minutes?), fractions,
 * negative values, spaces, unknown units (`5min`, `1w`).
 */
import { InvalidArgumentError } from './errors.js';
import { formatDuration } from './time-format.js';

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Parses a duration into milliseconds and checks it lies within [minMs, maxMs].
 *
 * @example parseDuration('1h30m', '--every', 1_000, 86_400_000) // 5_400_000
 * @throws InvalidArgumentError naming `flag`.
 */
export function parseDuration(text: string, flag: string, minMs: number, maxMs: number): number {
  const m = DURATION.exec(text);
  if (text === '' || !m || m.slice(1).every((p) => p === undefined)) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not a duration; use e.g. 90s, 5m, 1h or 1h30m`, flag);
  }
  const [, d, h, mi, s] = m;
  const ms = Number(d ?? 0) * UNIT_MS.d! + Number(h ?? 0) * UNIT_MS.h! + Number(mi ?? 0) * UNIT_MS.m! + Number(s ?? 0) * UNIT_MS.s!;
  if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxMs) {
    throw new InvalidArgumentError(`must be from ${formatDuration(minMs)} to ${formatDuration(maxMs)}, got ${text}`, flag);
  }
  return ms;
}
