/** `cdn-etl migrate`: applies pending migrations; running it again changes nothing. Needs no API credentials. */
import { useQuestDbAccess } from '../app/app-runtime.js';
import { loadConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { runMigrations } from '../store/migrations-runner.js';
import { recordValueUnit } from '../store/value-unit.js';
import { healInvalidViews } from '../store/view-health.js';
import { flagCommand, stringFlag } from './args.js';
import { EXIT_OK } from './command.js';

export const migrateCommand = flagCommand({
  name: 'migrate',
  summary: 'apply pending QuestDB migrations (safe to run again)',
  help: [
    'Usage: cdn-etl migrate [--questdb-http URL] [--value-unit byte|bit] [--change-unit] [--log-level LEVEL]',
    '',
    'Applies the migrations/*.sql files not yet applied to QuestDB, in name order, and records each',
    'one (name, sha256, time) in the table cdn_etl_migrations. Files applied earlier are skipped;',
    'an applied file that was changed stops the run (restore it and add a new numbered migration).',
    'Then it records the unit of the API\'s Value (CDN_VALUE_UNIT) in cdn_etl_value_unit, which every',
    'view reads; a unit different from the recorded one is refused unless --change-unit is given.',
    'Materialized views that QuestDB marked invalid (after TRUNCATE or DROP PARTITION of the traffic',
    'table) are fully refreshed, and each one is named in the output.',
    '',
    'Options:',
    '  --questdb-http URL   QuestDB HTTP endpoint (env QUESTDB_HTTP, default http://127.0.0.1:9000)',
    '  --value-unit UNIT    byte or bit: the unit of the API\'s Value (env CDN_VALUE_UNIT, default byte)',
    '  --change-unit        replace a different recorded unit (every derived figure changes by 8x)',
    '  --log-level LEVEL    fatal, error, warn, info, debug, trace or silent (env LOG_LEVEL)',
  ].join('\n'),
  options: {
    'questdb-http': { type: 'string' },
    'log-level': { type: 'string' },
    'value-unit': { type: 'string' },
    'change-unit': { type: 'boolean' },
  },
  async run(args, ctx) {
    const config = useQuestDbAccess(
      loadConfig(ctx.env, {
        questdbHttp: stringFlag(args, 'questdb-http'),
        logLevel: stringFlag(args, 'log-level'),
        valueUnit: stringFlag(args, 'value-unit'),
      }),
    );
    const logger = createLogger({ level: config.logLevel });
    const { applied, skipped } = await runMigrations({ questdbHttp: config.questdbHttp, logger });
    // After the migrations, so that a view a migration has just rebuilt is not refreshed twice.
    const healed = await healInvalidViews(config.questdbHttp, { logger });
    for (const name of applied) ctx.stdout.write(`applied  ${name}\n`);
    for (const name of skipped) ctx.stdout.write(`skipped  ${name} (already applied)\n`);
    for (const h of healed) ctx.stdout.write(`refreshed ${h.view} (QuestDB had marked it invalid: ${h.reason})\n`);
    ctx.stdout.write(
      applied.length === 0
        ? `QuestDB at ${config.questdbHttp} is up to date (${skipped.length} migration${skipped.length === 1 ? '' : 's'} already applied)\n`
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to QuestDB at ${config.questdbHttp}\n`,
    );
    const unit = await recordValueUnit(config.questdbHttp, config.valueUnit, { change: args.values['change-unit'] === true });
    ctx.stdout.write(
      unit.action === 'recorded'
        ? `value unit: ${unit.unit} (recorded)\n`
        : unit.action === 'changed'
          ? `value unit: changed from ${unit.previous!} to ${unit.unit}; every view now derives bytes and bit/s from ${unit.unit}s\n`
          : `value unit: ${unit.unit}\n`,
    );
    return EXIT_OK;
  },
});
