#!/usr/bin/env node
/**
 * The `procguard` bin (built to dist/cli/procguard.js): reads the command line
 * and runs one subcommand from commands/. Usage errors exit 2 with a pointer to --help.
 */
import { EXIT } from '../exit-codes.js';
import { formatGeneralHelp, parseCommandLine, UsageError } from './cli-arguments.js';
import { COMMANDS } from './commands/commands.js';
import { packageVersion } from './package-version.js';

async function main(argv: readonly string[]): Promise<number | 'running'> {
  let request;
  try {
    request = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const help = error.command ? `procguard ${error.command.name} --help` : 'procguard --help';
    console.error(`procguard: ${error.message}\nRun \`${help}\` for usage.`);
    return EXIT.badConfig;
  }
  switch (request.kind) {
    case 'version':
      console.log(packageVersion());
      return EXIT.ok;
    case 'help':
      process.stdout.write(request.command ? request.command.help : formatGeneralHelp(COMMANDS, packageVersion()));
      return EXIT.ok;
    case 'run':
      return request.command.run(request.values, request.args);
  }
}

main(process.argv.slice(2)).then(
  (outcome) => {
    if (outcome !== 'running') process.exitCode = outcome;
  },
  (error: unknown) => {
    console.error(`procguard: fatal: ${(error as Error).stack ?? String(error)}`);
    process.exit(EXIT.failure);
  },
);
