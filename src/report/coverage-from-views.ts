/**
 * The coverage map asks one resolution per cell (coverage-map.ts), so a cell that mixes resolutions at a seam
 * (5-minute slots to :45, 1-minute slots from :50) shows `partial` although every minute is archived. The
 * seam-exact views know better: where they say a cell is covered, the cell is `complete` (or `provisional` when
 * some of its slots were fetched before they were final). Pure.
 */
import { CELL_STATUSES, type CellStatus, type CoverageCell, type ReportModel } from './coverage-map.js';
import type { ReportFigures } from './report-figures.js';

/**
 * `model` with the partial cells that the views cover turned complete, and the counts redone. Cells and series
 * must share their bucket starts (hourly cells, or daily cells in UTC): otherwise the model is returned as is.
 */
export function applyViewCoverage(model: ReportModel, figures: ReportFigures): ReportModel {
  if (model.bucket === 'day' && figures.zone !== 'UTC') return model;
  const bucketS = model.bucketMs / 1000;
  const domains = model.domains.map((d) => {
    const covered = new Set((figures.domains.find((f) => f.domain === d.domain)?.series ?? []).filter((p) => p.coveredS >= bucketS).map((p) => p.ts));
    const cells: CoverageCell[] = d.cells.map((c) => (c.status === 'partial' && covered.has(c.start) ? { ...c, status: c.provisionalSlots > 0 ? 'provisional' : 'complete' } : c));
    const counts = Object.fromEntries(CELL_STATUSES.map((s) => [s, cells.filter((c) => c.status === s).length])) as Record<CellStatus, number>;
    return { ...d, cells, counts };
  });
  return { ...model, domains };
}
