/** Human-readable lines for the gaps found in the archive. Pure. */
import { formatRange, formatSpan } from '../core/time-format.js';
import type { GapRange } from './find-gaps.js';

/** One line per missing range, or `none`. */
export function formatGaps(domain: string, gaps: readonly GapRange[], gridS: number): string {
  if (gaps.length === 0) return `  ${domain}  none\n`;
  return gaps.map((g) => `  ${domain}  ${formatRange(g.start, g.end)}  ${Math.round((g.end - g.start) / (gridS * 1000))} slot(s), ${formatSpan(g.end - g.start)}\n`).join('');
}
