import type { CliCommand } from './cli-command.js';
import { devCommand } from './dev.command.js';

/** Every `procguard` subcommand, in the order `--help` lists them. A new command is one file and one line here. */
export const COMMANDS: readonly CliCommand[] = [devCommand];
