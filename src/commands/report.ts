/**
 * `cdn-etl report`: one self-contained HTML file (traffic chart and coverage map) for some domains over a
 * range, and the same summary as text on stdout. Reads QuestDB only; needs no API credentials.
 * Exit 0 written, 2 bad input (nothing read or written), 3 QuestDB unavailable.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';
import { alignRange, buildReportModel, chooseBucket } from '../report/coverage-map.js';
import { renderReportHtml } from '../report/render-html.js';
import { renderReportText } from '../report/render-text.js';
import { applyViewCoverage } from '../report/coverage-from-views.js';
import { queryReportFigures } from '../report/report-figures.js';
import { MAX_REPORT_DOMAINS, queryReportRows } from '../report/report-query.js';
import { openQuestDbReader } from '../app/app-runtime.js';
import { domainsFlag, commandBody, rangeFlags, requiredFlag, stringFlag, zoneFlag } from './args.js';
import { EXIT_OK } from './command.js';

/** Widest range a report accepts: ten years of daily cells is still a readable page. */
const MAX_RANGE_MS = 3_660 * 24 * 3_600_000;


export const reportCommand = commandBody({
  name: 'report',
  async run(args, ctx) {
    const domains = domainsFlag(args);
    if (domains.length > MAX_REPORT_DOMAINS) throw new InvalidArgumentError(`at most ${MAX_REPORT_DOMAINS} domains per report`, '--domains');
    const requested = rangeFlags(args, Date.now(), zoneFlag(args, ctx));
    if (requested.to - requested.from > MAX_RANGE_MS) throw new InvalidArgumentError('the range may span at most 3660 days', '--to');
    const out = resolve(requiredFlag(args, 'out'));
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new InvalidArgumentError(`the folder of ${out} does not exist`, '--out');
    const existing = lstatOrUndefined(out);
    if (existing?.isSymbolicLink()) throw new InvalidArgumentError(`${out} is a symbolic link: give the real file (a link at --out is never followed)`, '--out');
    if (existing && !existing.isFile()) throw new InvalidArgumentError(`${out} exists and is not a regular file`, '--out');
    const config = loadConfig(ctx.env, { questdbPg: stringFlag(args, 'questdb-pg'), timeZone: stringFlag(args, 'tz') });

    const bucket = chooseBucket(requested.from, requested.to);
    const { from, to } = alignRange(requested.from, requested.to, bucket, config.timeZone);
    const pg = openQuestDbReader(config, { max: 1 });
    let rows;
    let figures;
    try {
      // Row values are in the installation's unit (recorded by migrate); the report works in bytes.
      const [unit] = await pg.query<{ bytes_per_value: number }>('SELECT bytes_per_value FROM cdn_etl_value_unit LIMIT -1');
      if (unit === undefined) throw new InvalidArgumentError('QuestDB records no value unit yet: run cdn-etl migrate first', 'CDN_VALUE_UNIT');
      rows = (await queryReportRows(pg, { domains, from, to, bucket, zone: config.timeZone })).map((r) => ({ ...r, value: r.value * Number(unit.bytes_per_value) }));
      figures = await queryReportFigures(pg, { domains, from, to, bucket, zone: config.timeZone });
    } finally {
      await pg.close();
    }
    const model = applyViewCoverage(buildReportModel({ domains, from: requested.from, to: requested.to, bucket, rows, now: Date.now(), zone: config.timeZone }), figures);
    try {
      // A temporary file in the same folder, renamed over --out: never half-written, never through a link.
      writeFileAtomic(out, renderReportHtml(model, figures));
    } catch (err) {
      throw new InvalidArgumentError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, '--out');
    }
    ctx.stdout.write(renderReportText(model, figures));
    ctx.stdout.write(`\nwrote ${out}\n`);
    return EXIT_OK;
  },
});

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
