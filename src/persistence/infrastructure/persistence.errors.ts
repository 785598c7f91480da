/** The database file is newer than this build: refuse rather than corrupt it. */
export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';
  constructor(readonly found: number, readonly known: number) {
    super(
      `Database schema version ${found} is newer than this build understands (${known}). ` +
        'Run the newer procguard build, or point DATABASE_PATH at another file.',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The database path cannot be opened safely. */
export class DatabaseUnusableError extends Error {
  readonly code = 'DATABASE_UNUSABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnusableError';
  }
}
