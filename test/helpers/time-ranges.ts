/** Durations and relative whole-hour ranges shared by the integration and reliability tests. */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** A whole-hour range of `hours` hours ending `endAgoMs` before now: 1-minute chunks of final values. */
export function hoursRange(hours: number, endAgoMs: number): { from: string; to: string } {
  const to = Math.floor((Date.now() - endAgoMs) / HOUR) * HOUR;
  return { from: new Date(to - hours * HOUR).toISOString(), to: new Date(to).toISOString() };
}
