/** Base of supervisor errors: a stable `code` the HTTP layer maps to a status. */
export abstract class SupervisorError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The process config file is missing, unreadable or invalid; `problems` name process, field and reason. */
export class InvalidProcessConfigError extends SupervisorError {
  readonly code = 'INVALID_PROCESS_CONFIG';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid process config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** No declared process (instance) has that name. */
export class UnknownProcessError extends SupervisorError {
  readonly code = 'UNKNOWN_PROCESS';
  constructor(readonly processName: string) {
    super(`No process named "${processName}" is declared in the process config`);
  }
}

/** The command cannot run in the process's current state, e.g. start while stopping. */
export class ProcessBusyError extends SupervisorError {
  readonly code = 'PROCESS_BUSY';
  constructor(
    readonly processName: string,
    readonly state: string,
    action: string,
  ) {
    super(`Cannot ${action} "${processName}" while it is ${state}; try again when it settles`);
  }
}

/** The OS refused to start the command (not found, not executable, bad cwd). */
export class LaunchError extends SupervisorError {
  readonly code = 'LAUNCH_FAILED';
}
