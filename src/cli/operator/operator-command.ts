import type { CliCommand, CommandValues } from '../commands/cli-command.js';
import { COMMON_HELP, COMMON_OPTIONS, operatorContext, type OperatorContext } from './operator-context.js';
import { OPERATOR_EXIT, OperatorError } from './operator-exit.js';

export interface OperatorCommandSpec extends Omit<CliCommand, 'run' | 'help'> {
  /** Usage line, then the description, then the command's own options (the common ones are appended). */
  readonly usage: string;
  readonly description: readonly string[];
  readonly optionHelp?: readonly string[];
  run(context: OperatorContext, values: CommandValues, args: readonly string[]): Promise<number>;
}

/** An operator command: the common options, and an OperatorError printed as one line with its exit code. */
export function operatorCommand(spec: OperatorCommandSpec): CliCommand {
  const { usage, description, optionHelp = [], run, options, ...rest } = spec;
  return {
    ...rest,
    options: { ...COMMON_OPTIONS, ...options },
    help: [`Usage: ${usage}`, '', ...description, '', 'Options:', ...optionHelp, ...COMMON_HELP, '', EXIT_HELP, ''].join('\n'),
    async run(values, args) {
      endQuietlyOnClosedOutput();
      const context = operatorContext(values);
      try {
        return await run(context, values, args);
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        if (context.json) process.stdout.write(`${JSON.stringify({ error: error.message, code: error.code })}\n`);
        process.stderr.write(`procguard: ${error.message}\n`);
        return error.exitCode;
      }
    },
  };
}

/** The exit codes, as every operator command's help lists them. */
export const EXIT_HELP = [
  'Exit codes:',
  `  ${OPERATOR_EXIT.ok} done, ${OPERATOR_EXIT.failed} the command failed, ${OPERATOR_EXIT.usage} bad usage, ` +
    `${OPERATOR_EXIT.noInstance} no instance running, ${OPERATOR_EXIT.unauthorised} unauthorised, ${OPERATOR_EXIT.interrupted} Ctrl+C`,
].join('\n');

/** `procguard logs -f | head -1`: once the reader is gone, end with 0 rather than an EPIPE stack. */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(OPERATOR_EXIT.ok);
      throw error;
    });
  }
}
