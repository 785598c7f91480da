/** What is wrong with the host project's layout; the CLI maps every case to exit code 2. */
export type HostProjectProblem =
  | 'PROJECT_DIR_MISSING'
  | 'NEST_CLI_INVALID'
  | 'TSCONFIG_MISSING'
  | 'TSCONFIG_INVALID'
  | 'OUT_DIR_MISSING'
  | 'ENTRY_MISSING'
  | 'ENTRY_NOT_COMPILED'
  | 'TYPESCRIPT_MISSING'
  | 'SWC_MISSING';

/**
 * The host project cannot be run by `procguard dev` as laid out: the message names
 * the file (or directory) at fault and what to change. One class with a `code` per
 * case, since every case is reported and handled the same way.
 */
export class HostProjectError extends Error {
  override readonly name = 'HostProjectError';
  constructor(
    readonly code: HostProjectProblem,
    /** The file or directory the problem is in. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
