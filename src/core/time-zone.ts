/**
 * The one time module for calendars in a zone (luxon); core/time-format.ts spells UTC instants. Wire times stay strict UTC in aliyun/wire-time.ts;
 * this module is for what people read: days and months in a chosen IANA zone, and their bounds in UTC.
 */
import { DateTime, IANAZone } from 'luxon';
import { InvalidArgumentError } from './errors.js';

/**
 * The canonical name of an IANA zone (`UTC`, `Asia/Shanghai`, `Europe/Berlin`); a fixed offset such as
 * `UTC+8` becomes `UTC+08:00`, the spelling both luxon and QuestDB read.
 *
 * @example parseTimeZone('asia/shanghai', '--tz') // 'Asia/Shanghai'
 * @throws InvalidArgumentError naming `source` for an unknown zone.
 */
export function parseTimeZone(raw: string, source: string): string {
  const name = raw.trim();
  if (name.toUpperCase() === 'UTC' || name.toUpperCase() === 'Z') return 'UTC';
  const offset = /^UTC([+-])(\d{1,2})(?::(\d{2}))?$/i.exec(name);
  if (offset) {
    // QuestDB reads `UTC+8` as UTC without a word; `UTC+08:00` it reads right, and so does luxon.
    const fixed = `UTC${offset[1]!}${offset[2]!.padStart(2, '0')}:${offset[3] ?? '00'}`;
    if (Number(offset[2]) <= 14 && Number(offset[3] ?? 0) < 60 && DateTime.now().setZone(fixed).isValid) return fixed;
  }
  if (/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){1,2}$/.test(name) && IANAZone.isValidZone(name)) {
    // Intl gives the canonical spelling (asia/shanghai -> Asia/Shanghai), which QuestDB needs.
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  }
  throw new InvalidArgumentError(`is not a time zone luxon and QuestDB both know (use an IANA name such as Asia/Shanghai or UTC), got ${JSON.stringify(raw)}`, source);
}

/** Start (epoch ms) of the calendar month holding `ms` in `zone`. */
export function monthStart(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).startOf('month').toMillis();
}

/** Start (epoch ms) of the month after the one starting at `startMs` in `zone`. */
export function nextMonthStart(startMs: number, zone: string): number {
  return DateTime.fromMillis(startMs, { zone }).startOf('month').plus({ months: 1 }).toMillis();
}

/** Start (epoch ms) of the local day holding `ms` in `zone`. */
export function dayStart(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).startOf('day').toMillis();
}

/** Start (epoch ms) of the local day after the one holding `ms` in `zone` (23 or 25 hours on DST days). */
export function nextDayStart(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).startOf('day').plus({ days: 1 }).toMillis();
}

/** `ms` as local wall-clock text in `zone`: `yyyy-MM-dd HH:mm` (or `yyyy-MM-dd` with dayOnly). */
export function formatLocal(ms: number, zone: string, dayOnly = false): string {
  return DateTime.fromMillis(ms, { zone }).toFormat(dayOnly ? 'yyyy-MM-dd' : 'yyyy-MM-dd HH:mm');
}

/** `yyyy-MM` of the month starting at `ms` in `zone`. */
export function formatMonth(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM');
}

/** The number of 5-minute billing points in the month starting at `startMs` in `zone` (DST months included). */
export function fiveMinutePointsInMonth(startMs: number, zone: string): number {
  return (nextMonthStart(startMs, zone) - startMs) / 300_000;
}

/** Wall-clock fields of one instant as typed by a user (month 1-12). */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

/**
 * The instant (epoch ms) that `wall` names in `zone` (an IANA name, `UTC` or a fixed offset `UTC+08:00`), or
 * undefined when that wall-clock time does not exist there: an impossible date (Feb 30, hour 24, a leap second) or
 * a time skipped by a daylight-saving change. Never shifts silently: luxon moves a skipped time forward, so the
 * fields are compared after the round trip.
 *
 * @example zonedInstant({ year: 2026, month: 11, day: 30, hour: 22, minute: 0, second: 0, millisecond: 0 }, 'UTC+08:00') // Date.UTC(2026, 10, 30, 14)
 */
export function zonedInstant(wall: WallClock, zone: string): number | undefined {
  const t = DateTime.fromObject({ ...wall }, { zone });
  if (!t.isValid) return undefined;
  const same = t.year === wall.year && t.month === wall.month && t.day === wall.day && t.hour === wall.hour && t.minute === wall.minute && t.second === wall.second;
  return same ? t.toMillis() : undefined;
}
