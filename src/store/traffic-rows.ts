/** Checks on rows before any of them is sent, so that a bad row refuses a load instead of half-writing it. */
import { InvalidArgumentError } from '../core/errors.js';
import type { TrafficRow } from '../core/model.js';

/** A row to load; `fetchedAt` (epoch ms) overrides the load's default fetch time for that row. */
export interface LoadRow extends TrafficRow {
  readonly fetchedAt?: number;
}

/**
 * Index and reason of the first row the loader cannot write faithfully, or undefined when all are fine.
 * ts and fetchedAt must be whole epoch milliseconds, intervalS a positive whole number, value a finite
 * number, domain a non-empty string without control characters.
 */
export function findInvalidRow(rows: readonly LoadRow[]): { index: number; reason: string } | undefined {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== 'object') return { index: i, reason: 'not an object' };
    if (!Number.isSafeInteger(r.ts)) return { index: i, reason: `ts must be whole epoch milliseconds, got ${String(r.ts)}` };
    if (typeof r.domain !== 'string' || r.domain.length === 0 || hasControlChar(r.domain)) {
      return { index: i, reason: `domain must be a non-empty string without control characters, got ${JSON.stringify(r.domain)}` };
    }
    if (!Number.isSafeInteger(r.intervalS) || r.intervalS <= 0 || r.intervalS > 2_147_483_647) {
      return { index: i, reason: `intervalS must be a positive whole number of seconds, got ${String(r.intervalS)}` };
    }
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return { index: i, reason: `value must be a finite number, got ${String(r.value)}` };
    if (r.fetchedAt !== undefined && !Number.isSafeInteger(r.fetchedAt)) {
      return { index: i, reason: `fetchedAt must be whole epoch milliseconds, got ${String(r.fetchedAt)}` };
    }
  }
  return undefined;
}

/** Throws InvalidArgumentError naming the first bad row. */
export function assertLoadableRows(rows: readonly LoadRow[]): void {
  const bad = findInvalidRow(rows);
  if (bad) throw new InvalidArgumentError(`row ${bad.index}: ${bad.reason}`, 'rows');
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
