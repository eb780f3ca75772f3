/**
 * The rows a test expects QuestDB to hold, computed from the simulator's traffic model, in the order every
 * fixture's readRows returns them (domain, interval, ts).
 */
import type { Chunk } from '../../src/core/model.js';
import { finalSlotValue } from '../../src/sim/traffic-model.js';

export interface StoredRow {
  readonly ts: number;
  readonly domain: string;
  readonly intervalS: number;
  readonly value: number;
}

/** Orders rows by domain, interval, then ts: the ORDER BY of readRows. */
export function byRowKey(a: StoredRow, b: StoredRow): number {
  return a.domain.localeCompare(b.domain) || a.intervalS - b.intervalS || a.ts - b.ts;
}

/** A sorted copy of `rows`, comparable with readRows. */
export function sortRows(rows: readonly StoredRow[]): StoredRow[] {
  return [...rows].sort(byRowKey);
}

/** Every slot of every chunk, [start, end), with the simulator's final value, sorted like readRows. */
export function expectedRows(chunks: readonly Chunk[]): StoredRow[] {
  const rows: StoredRow[] = [];
  for (const c of chunks) {
    for (let ts = c.start; ts < c.end; ts += c.intervalS * 1000) rows.push({ ts, domain: c.domain, intervalS: c.intervalS, value: finalSlotValue(c.domain, c.intervalS, ts) });
  }
  return rows.sort(byRowKey);
}
