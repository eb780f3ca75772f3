/** `cdn-etl migrate`: applies pending migrations; running it again changes nothing. Needs no API credentials. */
import { questDbEndpointOf } from '../app/app-runtime.js';
import { loadConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { runMigrations } from '../store/migrations-runner.js';
import { recordValueUnit } from '../store/value-unit.js';
import { healInvalidViews } from '../store/view-health.js';
import { commandBody, stringFlag } from './args.js';
import { EXIT_OK } from './command.js';

export const migrateCommand = commandBody({
  name: 'migrate',
  async run(args, ctx) {
    const config = loadConfig(ctx.env, {
      questdbHttp: stringFlag(args, 'questdb-http'),
      logLevel: stringFlag(args, 'log-level'),
      valueUnit: stringFlag(args, 'value-unit'),
    });
    const questdb = questDbEndpointOf(config);
    const logger = createLogger({ level: config.logLevel, color: ctx.color });
    const { applied, skipped } = await runMigrations({ questdbHttp: questdb, logger });
    // After the migrations, so that a view a migration has just rebuilt is not refreshed twice.
    const healed = await healInvalidViews(questdb, { logger });
    for (const name of applied) ctx.stdout.write(`applied  ${name}\n`);
    for (const name of skipped) ctx.stdout.write(`skipped  ${name} (already applied)\n`);
    for (const h of healed) ctx.stdout.write(`refreshed ${h.view} (QuestDB had marked it invalid: ${h.reason})\n`);
    ctx.stdout.write(
      applied.length === 0
        ? `QuestDB at ${config.questdbHttp} is up to date (${skipped.length} migration${skipped.length === 1 ? '' : 's'} already applied)\n`
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to QuestDB at ${config.questdbHttp}\n`,
    );
    const unit = await recordValueUnit(questdb, config.valueUnit, { change: args.values['change-unit'] === true });
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
