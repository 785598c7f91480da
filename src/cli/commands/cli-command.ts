import type { ParseArgsConfig } from 'node:util';

/** The option values parseArgs produced for a command. */
export type CommandValues = Record<string, string | boolean | undefined>;

/** What a command's run ended with: an exit code, or 'running' when it exits the process itself later. */
export type CommandOutcome = number | 'running';

/**
 * One `procguard <name>` subcommand, in a file of its own under commands/: the
 * parser and the help text read everything they need from here.
 */
export interface CliCommand {
  readonly name: string;
  /** Other names it answers to (`ls` for `status`). */
  readonly aliases?: readonly string[];
  /** How many arguments besides options it takes (none when absent), and what they are, for errors. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly what: string };
  /** One line, shown in `procguard --help`. */
  readonly summary: string;
  /** `procguard <name> --help`: usage line, description and options. */
  readonly help: string;
  /** parseArgs options (`--help`/`-h` is added for every command). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Checks the parsed values beyond their types; returns a problem or null. */
  validate?(values: CommandValues): string | null;
  run(values: CommandValues, args: readonly string[]): Promise<CommandOutcome>;
}
