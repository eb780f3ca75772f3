/** Number and time formats shared by the text and HTML reports. Pure. */
import { formatInstant } from '../core/time-format.js';
import { formatLocal } from '../core/time-zone.js';

/** Traffic in decimal bytes: B, kB, MB, GB, TB, PB. */
export function formatTraffic(bytes: number): string {
  return scaled(bytes, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
}

/** `formatInstant` in UTC; in another zone the local wall-clock time (`2025-06-01 18:00`, or the day). */
export function formatInZone(ms: number, zone: string | undefined, dayOnly = false): string {
  return zone === undefined || zone === 'UTC' ? formatInstant(ms, dayOnly ? 'day' : 'minute') : formatLocal(ms, zone, dayOnly);
}

/** Bandwidth: bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s. */
export function formatBandwidth(bps: number): string {
  return scaled(bps, ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s']);
}

/** `1 min`, `5 min`, `1 h`, or `N s` for anything else. */
export function formatInterval(intervalS: number): string {
  if (intervalS % 3600 === 0) return `${intervalS / 3600} h`;
  if (intervalS % 60 === 0) return `${intervalS / 60} min`;
  return `${intervalS} s`;
}

function scaled(value: number, units: readonly string[]): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  const digits = i === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}
