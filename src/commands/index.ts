/** The command registry: one module per command. */
import type { Command } from './command.js';

export const COMMANDS: readonly Command[] = [];
