/** Exit codes of the operator commands (status, start, logs, up, down…), shown in `procguard --help`. */
export const OPERATOR_EXIT = {
  ok: 0,
  /** The command ran and failed: a process would not start, a reload was rejected, the instance is unhealthy. */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** No instance runs for the data directory (or `up` was refused: one already runs). */
  noInstance: 3,
  /** The API refused the token (missing or wrong API_TOKEN / --token). */
  unauthorised: 4,
  /** Ended by Ctrl+C (128 + SIGINT), as a shell reports it. */
  interrupted: 130,
} as const;

/** A failure the command reports in one line and ends with `exitCode`; never a stack trace. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code: 'NO_INSTANCE' | 'UNAUTHORISED' | 'FAILED' | 'UNREACHABLE' = 'FAILED',
  ) {
    super(message);
  }
}
