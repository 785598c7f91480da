import type { CliCommand } from './cli-command.js';
import { devCommand } from './dev.command.js';
import { downCommand } from './down.command.js';
import { eventsCommand } from './events.command.js';
import { healthCommand } from './health.command.js';
import { historyCommand } from './history.command.js';
import { logsCommand } from './logs.command.js';
import { restartCommand, startCommand, stopCommand } from './process-action.command.js';
import { reloadCommand } from './reload.command.js';
import { statusCommand } from './status.command.js';
import { upCommand } from './up.command.js';

/** Every `procguard` subcommand, in the order `--help` lists them. A new command is one file and one line here. */
export const COMMANDS: readonly CliCommand[] = [
  statusCommand,
  startCommand,
  stopCommand,
  restartCommand,
  logsCommand,
  eventsCommand,
  historyCommand,
  healthCommand,
  reloadCommand,
  upCommand,
  downCommand,
  devCommand,
];
