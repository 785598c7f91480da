import { parseArgs } from 'node:util';
import type { CliCommand, CommandValues } from './commands/cli-command.js';

// node:util parseArgs (stable since Node 20, our floor): no dependency for the
// bin, strict about unknown options and missing values, and enough for flags.

/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'help'; readonly command: CliCommand | null }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly command: CliCommand; readonly values: CommandValues; readonly args: readonly string[] };

/** The command line cannot be understood; the bin prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  constructor(
    message: string,
    /** The command the error is about, for the pointer to its help. */
    readonly command: CliCommand | null = null,
  ) {
    super(message);
  }
}

/**
 * `procguard [--help|--version]` or `procguard <command> [options]`.
 * @throws UsageError for an unknown command or option, a missing value, a stray argument
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CliCommand[]): CliRequest {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('No command given.');
  if (first.startsWith('-')) {
    const { values } = strictParse([...argv], { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, null);
    return values.version && !values.help ? { kind: 'version' } : { kind: 'help', command: null };
  }
  const command = commands.find((c) => c.name === first || c.aliases?.includes(first));
  if (!command) throw new UsageError(`Unknown command "${first}". Commands: ${commands.map((c) => c.name).join(', ')}.`);
  const { values, positionals } = strictParse(rest, { ...command.options, help: { type: 'boolean', short: 'h' } }, command);
  if (values.help) return { kind: 'help', command };
  const wanted = command.positionals;
  if (!wanted && positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'.`, command);
  if (wanted && positionals.length < wanted.min) throw new UsageError(`Missing ${wanted.what}.`, command);
  if (wanted && positionals.length > wanted.max) throw new UsageError(`Unexpected argument '${positionals[wanted.max]}'.`, command);
  const problem = command.validate?.(values) ?? null;
  if (problem) throw new UsageError(problem, command);
  return { kind: 'run', command, values, args: positionals };
}

function strictParse(
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'],
  command: CliCommand | null,
): { values: CommandValues; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: command !== null });
    return { values: parsed.values as CommandValues, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code and a message naming the argument.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(firstSentence((error as Error).message), command);
    throw error;
  }
}

/** parseArgs appends advice about `--` that does not apply here. */
function firstSentence(message: string): string {
  const cut = message.search(/\. (To specify|To pass)/);
  return cut === -1 ? message : `${message.slice(0, cut)}.`;
}

/** `procguard --help`. */
export function formatGeneralHelp(commands: readonly CliCommand[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `procguard ${version}: single-instance guard, graceful shutdown and process supervision for Nest apps`,
    '',
    'Usage: procguard <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     Show this help; `procguard <command> --help` shows a command\'s options',
    '  -v, --version  Print the version',
    '',
    'The operator commands find the instance from its data directory (--data-dir, else DATA_DIR,',
    'else ./data; its PID file records host and port) and send API_TOKEN (or --token) to the API.',
    '',
    'Exit codes: 0 done, 1 the command failed, 2 bad usage, 3 no instance running for the data',
    'directory (or, for up and dev, one already runs), 4 unauthorised (token missing or wrong),',
    '130 ended by Ctrl+C.',
    '',
  ].join('\n');
}
