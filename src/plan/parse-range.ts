/**
 * User-supplied instants for `--from`/`--to` (and `--since`), read the way people type them and turned into exact
 * UTC epoch ms; chunks, the API and the table stay strict UTC (aliyun/wire-time.ts). Pure: `now` is a parameter.
 *
 * Accepted:
 * - ISO 8601 extended format with an offset: `2026-11-01T00:00:00Z`, `2026-11-01T00:00Z`,
 *   `2026-11-30T22:00+08:00`, `2026-11-01T00:00:00.250-05:00` (1 to 3 fractional digits);
 * - without an offset (`2026-11-01`, `2026-11-01T08:00`): wall-clock time in the zone given (`--tz`, CDN_ETL_TZ;
 *   default UTC), so `2026-11-01` is midnight UTC unless a zone says otherwise;
 * - `now`, and times relative to now: `-7d`, `-90m`, `-1h30m`, `-45s` (also spelt `now-7d`); `now` is the current
 *   minute (seconds dropped).
 * Refused: `-00:00` (RFC 3339's "offset unknown"), basic format (`20261101T0000Z`), lower-case `t`/`z`, a space
 * instead of `T`, week or ordinal dates, impossible dates (`2026-02-30`), hour 24, leap seconds, a wall-clock time
 * that a daylight-saving change skips in the zone, and years before 2000.
 * Callers echo the UTC reading (describeInstant) so that what was understood is always on screen.
 */
import { parseDuration } from '../core/parse-duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { zonedInstant } from '../core/time-zone.js';

/** A half-open range [from, to) in epoch ms. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** How instants without an offset and relative instants are read. */
export interface InstantContext {
  /** The reference for `now` and `-7d` (default Date.now()). */
  readonly now?: number | undefined;
  /** The zone of times typed without an offset: `UTC` (default), an IANA name, or `UTC+08:00`. */
  readonly zone?: string | undefined;
}

/** The earliest year accepted in a range. */
export const MIN_YEAR = 2000;
/** How far past `now` a range may end: a day of slack for clocks and time zones, no more. */
export const MAX_FUTURE_MS = 24 * 3_600_000;
/** How far back a relative time may reach (`-9000d` is a typo). */
const MAX_RELATIVE_MS = 100 * 366 * 86_400_000;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const RELATIVE = /^(?:now)?-(.+)$/;
const EXAMPLES = 'use e.g. 2026-11-01, 2026-11-01T00:00Z, 2026-11-30T22:00+08:00, -7d, -90m or now';

/**
 * Parses one instant; `flag` names the option in the error (`--from`).
 *
 * @example parseInstant('2026-11-01', '--from') // 1793491200000
 * @example parseInstant('2026-11-30T22:00+08:00', '--from') // Date.UTC(2026, 10, 30, 14)
 * @example parseInstant('-7d', '--from', { now }) // now - 7 days
 * @throws InvalidArgumentError naming `flag`.
 */
export function parseInstant(text: string, flag: string, context: InstantContext = {}): number {
  // Relative times count from the current minute: the echo reads cleanly and a command run twice within a minute
  // asks for the same range.
  const now = Math.floor((context.now ?? Date.now()) / 60_000) * 60_000;
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return now - parseDuration(relative[1]!, flag, 1_000, MAX_RELATIVE_MS);
  const m = INSTANT.exec(text);
  if (!m) throw new InvalidArgumentError(`${show(text)} is not a time cdn-etl reads; ${EXAMPLES}`, flag);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', offset] = m;
  if (offset === '-00:00') throw new InvalidArgumentError(`${show(text)} has the offset -00:00 ("offset unknown" in RFC 3339); give Z or the real offset`, flag);
  const year = Number(y);
  // Nothing any CDN API holds predates 2000; earlier years are typos.
  if (year < MIN_YEAR) throw new InvalidArgumentError(`${show(text)} is before ${MIN_YEAR}: no CDN data exists that far back`, flag);
  const zone = offset === undefined ? (context.zone ?? 'UTC') : offset === 'Z' ? 'UTC' : `UTC${offset}`;
  if (offset !== undefined && offset !== 'Z' && (Number(offset.slice(1, 3)) > 14 || Number(offset.slice(4)) > 59)) {
    throw new InvalidArgumentError(`${show(text)} has the offset ${offset}, which no place on Earth uses`, flag);
  }
  const ms = zonedInstant(
    { year, month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s), millisecond: Number(frac.padEnd(3, '0')) },
    zone,
  );
  if (ms === undefined) {
    throw new InvalidArgumentError(`${show(text)} is not a real date and time${offset === undefined && zone !== 'UTC' ? ` in ${zone}` : ''}`, flag);
  }
  return ms;
}

/**
 * Parses `--from` and `--to` into a non-empty half-open range. With `now`, a range that starts in the future
 * (no data can exist yet) or ends more than a day after `now` is refused as absurd.
 *
 * @example parseRange('2026-11-01', '2026-11-02T12:00Z') // { from: 1793491200000, to: 1793620800000 }
 * @example parseRange('-7d', 'now', now) // { from: now - 7 days, to: now }
 * @throws InvalidArgumentError naming `--from` or `--to` (`--to` when the range is empty or reversed).
 */
export function parseRange(fromText: string, toText: string, now?: number, zone?: string): TimeRange {
  const context = { now, zone };
  const from = parseInstant(fromText, '--from', context);
  const to = parseInstant(toText, '--to', context);
  if (!(to > from)) throw new InvalidArgumentError(`must be after --from (${describeInstant(fromText, from)}), got ${describeInstant(toText, to)}`, '--to');
  if (now !== undefined) {
    if (from >= now) throw new InvalidArgumentError(`${show(fromText)} is in the future: no data exists yet`, '--from');
    if (to > now + MAX_FUTURE_MS) throw new InvalidArgumentError(`${show(toText)} is more than a day in the future`, '--to');
  }
  return { from, to };
}

/**
 * How an instant was understood, for the first line of a command's output: the UTC time, and the text typed when
 * it was spelt otherwise.
 *
 * @example describeInstant('2026-11-30T22:00+08:00', Date.UTC(2026, 10, 30, 14)) // '2026-11-30T14:00:00Z (2026-11-30T22:00+08:00)'
 */
export function describeInstant(text: string, ms: number): string {
  const utc = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  const canonical = [utc, utc.replace(/:00Z$/, 'Z'), utc.replace(/T00:00:00Z$/, '')];
  return canonical.includes(text) ? utc : `${utc} (${text})`;
}

function show(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
