/**
 * User-supplied instants for `--from`/`--to` (and `--since`). Pure.
 *
 * Accepted: ISO 8601 extended format in UTC only, so that what the user types is exactly what the
 * chunk bounds say (chunks, the API and the table are all UTC):
 * - `2026-11-01T00:00:00Z`, `2026-11-01T00:00:00.250Z` (1 to 3 fractional digits), `2026-11-01T00:00Z`,
 * - `2026-11-01` (midnight UTC),
 * - `+00:00` is accepted as a spelling of `Z`.
 * Refused: any other offset (`+08:00`: convert to UTC first; guessing would silently shift a range by
 * hours), no zone at all (`2026-11-01T00:00:00`: local time is ambiguous), basic format (`20261101T0000Z`),
 * lower-case `t`/`z`, a space instead of `T`, week or ordinal dates, impossible dates (`2026-02-30`),
 * hour 24 and leap seconds.
 */
import { InvalidArgumentError } from '../core/errors.js';

/** A half-open range [from, to) in epoch ms. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** The earliest year accepted in a range. */
export const MIN_YEAR = 2000;
/** How far past `now` a range may end: a day of slack for clocks and time zones, no more. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses one instant; `flag` names the option in the error (`--from`).
 *
 * @example parseInstant('2026-11-01', '--from') // 1793491200000
 * @throws InvalidArgumentError naming `flag`.
 */
export function parseInstant(text: string, flag: string): number {
  const m = INSTANT.exec(text);
  if (!m) {
    throw new InvalidArgumentError(
      `${show(text)} is not an ISO 8601 UTC instant; use e.g. 2026-11-01T00:00:00Z, 2026-11-01T00:00Z or 2026-11-01`,
      flag,
    );
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  if (zone !== undefined && zone !== 'Z' && zone !== '+00:00') {
    throw new InvalidArgumentError(`${show(text)} has the offset ${zone}; give the instant in UTC with Z`, flag);
  }
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  // Nothing any CDN API holds predates 2000; earlier years are typos (and Date.UTC maps years 0-99 to 19xx).
  if (parts[0] < MIN_YEAR) throw new InvalidArgumentError(`${show(text)} is before ${MIN_YEAR}: no CDN data exists that far back`, flag);
  const ms = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], Number(frac.padEnd(3, '0')));
  const back = new Date(ms);
  // Date.UTC rolls impossible fields over (Feb 30 -> Mar 2, 24:00 -> next day): compare field by field.
  const roundTrip = [back.getUTCFullYear(), back.getUTCMonth() + 1, back.getUTCDate(), back.getUTCHours(), back.getUTCMinutes(), back.getUTCSeconds()];
  if (Number.isNaN(ms) || roundTrip.some((v, i) => v !== parts[i])) {
    throw new InvalidArgumentError(`${show(text)} is not a real date and time`, flag);
  }
  return ms;
}

/**
 * Parses `--from` and `--to` into a non-empty half-open range. With `now`, a range that starts in the future
 * (no data can exist yet) or ends more than a day after `now` is refused as absurd.
 *
 * @example parseRange('2026-11-01', '2026-11-02T12:00Z') // { from: 1793491200000, to: 1793620800000 }
 * @throws InvalidArgumentError naming `--from` or `--to` (`--to` when the range is empty or reversed).
 */
export function parseRange(fromIso: string, toIso: string, now?: number): TimeRange {
  const from = parseInstant(fromIso, '--from');
  const to = parseInstant(toIso, '--to');
  if (!(to > from)) throw new InvalidArgumentError(`must be after --from (${fromIso}), got ${toIso}`, '--to');
  if (now !== undefined) {
    if (from >= now) throw new InvalidArgumentError(`${show(fromIso)} is in the future: no data exists yet`, '--from');
    if (to > now + MAX_FUTURE_MS) throw new InvalidArgumentError(`${show(toIso)} is more than a day in the future`, '--to');
  }
  return { from, to };
}

function show(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
