/** The command registry: one module per command. */
import type { Command } from './command.js';
import { backfillCommand } from './backfill.js';
import { statusCommand } from './status.js';
import { workerCommand } from './worker.js';
import { migrateCommand } from './migrate.js';
import { simulateCommand } from './simulate.js';
import { reportCommand } from './report.js';
import { syncCommand } from './sync.js';
import { gapsCommand } from './gaps.js';
import { verifyCommand } from './verify.js';

export const COMMANDS: readonly Command[] = [migrateCommand, backfillCommand, workerCommand, statusCommand, simulateCommand, reportCommand, syncCommand, gapsCommand, verifyCommand];
