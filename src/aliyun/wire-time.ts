/** Timestamps as the API wants them on the wire: `YYYY-MM-DDThh:mm:ssZ`, UTC, no fractional seconds. */
export function toWireTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const WIRE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses the exact wire format; undefined for anything else (milliseconds, offsets, dates alone). */
export function parseWireTime(s: string): number | undefined {
  const m = WIRE_TIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as unknown as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
  // Reject impossible dates that Date.UTC would roll over (2024-02-30).
  return toWireTime(ms) === s ? ms : undefined;
}
