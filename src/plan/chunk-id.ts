/**
 * Deterministic chunk ids, valid as BullMQ job ids (no ':', never all digits) and readable in logs:
 * `<domain>_<interval>s_<start>_<end>` with compact UTC times, e.g.
 * `a.example.com_60s_20261129T1000Z_20261129T1100Z`.
 */
export function chunkId(domain: string, intervalS: number, start: number, end: number): string {
  return `${domain}_${intervalS}s_${compactTime(start)}_${compactTime(end)}`;
}

function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z').replace(/00Z$/, 'Z');
}
