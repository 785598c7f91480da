/** Process exit codes, documented in docs/operations.md. */
export const EXIT = {
  ok: 0,
  /** Unexpected failure, or shutdown forced past its deadline. */
  failure: 1,
  /** Invalid environment or configuration. */
  badConfig: 2,
  /** Another instance holds this data directory. */
  alreadyRunning: 3,
  /** The HTTP port is taken by some other program. */
  portInUse: 4,
  /** The instance lock was removed or taken over while running. */
  lockCompromised: 5,
  /** The data directory, PID file path or database cannot be used. */
  dataDirUnusable: 6,
  /** The lock database (LOCK_DATABASE_URL) cannot be reached or used at start. */
  lockDatabaseUnusable: 7,
} as const;
