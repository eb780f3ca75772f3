/**
 * The coverage map asks one resolution per cell (coverage-map.ts), so a cell that mixes resolutions at a seam
 * (5-minute slots to :45, 1-minute slots from :50) shows `partial` although every minute is archived. The
 * seam-exact views know better: where they say a cell is covered, the cell is `complete` (or `provisional` when
 * some of its slots were fetched before they were final). Pure.
 */
import { CELL_STATUSES, type CellStatus, type CoverageCell, type ReportModel } from './coverage-map.js';
import type { ReportFigures } from './report-figures.js';

/**
 * `model` with the partial cells that the views cover turned complete, and the counts redone. A cell and a
 * series point match by their start (both hours, or both days of the same zone).
 */
export function applyViewCoverage(model: ReportModel, figures: ReportFigures): ReportModel {
  const domains = model.domains.map((d) => {
    const coveredS = new Map((figures.domains.find((f) => f.domain === d.domain)?.series ?? []).map((p) => [p.ts, p.coveredS]));
    const cells: CoverageCell[] = d.cells.map((c) => (c.status === 'partial' && (coveredS.get(c.start) ?? 0) * 1000 >= c.end - c.start ? { ...c, status: c.provisionalSlots > 0 ? 'provisional' : 'complete' } : c));
    const counts = Object.fromEntries(CELL_STATUSES.map((s) => [s, cells.filter((c) => c.status === s).length])) as Record<CellStatus, number>;
    return { ...d, cells, counts };
  });
  return { ...model, domains };
}
