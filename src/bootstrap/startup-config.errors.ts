// Apart from startup-config.ts, which loads the config parsers and SQLite: bootstrap.ts
// needs the class before the lock is held, the readers only after.

/** A start-up configuration mistake of the user's; `message` lists each problem. */
export class StartupConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StartupConfigError';
  }
}
