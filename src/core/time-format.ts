/**
 * Every way cdn-etl spells an instant or a duration for people, in one place, so a report, a sync summary and a
 * progress bar never disagree about what a time looks like. Pure; UTC always (a slot's start is UTC by contract).
 */

/** How much of an instant is shown. `exact` drops only zero seconds and milliseconds, so no bound is rounded. */
export type InstantPrecision = 'exact' | 'minute' | 'day';

/**
 * @example formatInstant(Date.UTC(2026, 10, 1)) // '2026-11-01T00:00Z'
 * @example formatInstant(Date.UTC(2026, 10, 1, 0, 0, 30)) // '2026-11-01T00:00:30Z'
 * @example formatInstant(Date.UTC(2026, 10, 1, 10, 7, 30), 'minute') // '2026-11-01T10:07Z'
 * @example formatInstant(Date.UTC(2026, 10, 1), 'day') // '2026-11-01'
 */
export function formatInstant(ms: number, precision: InstantPrecision = 'exact'): string {
  const iso = new Date(ms).toISOString();
  if (precision === 'day') return iso.slice(0, 10);
  if (precision === 'minute') return `${iso.slice(0, 16)}Z`;
  return iso.replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}

/** `[2026-11-01T00:00Z, 2026-11-08T00:00Z)` (half-open, exact bounds). */
export function formatRange(start: number, end: number): string {
  return `[${formatInstant(start)}, ${formatInstant(end)})`;
}

/**
 * A duration the way a flag takes it (parse-duration.ts reads it back): whole seconds, largest unit first.
 * @example formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  let rest = Math.floor(ms / 1000);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/**
 * A remaining time, rounded to its two largest units so a progress line keeps its width: `1h02m`, `3m05s`, `12s`.
 */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A span of archive time in whole minutes, for people: `3d 2h`, `45 min`, `1 min`. */
export function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}min` : ''].filter(Boolean).join(' ');
}
