/** What the rest of the app may ask of the database the instance protects. */
export interface DatabaseStatus {
  readonly status: 'up' | 'down';
  readonly schemaVersion: number | null;
  readonly journalMode: string | null;
  readonly error?: string;
}

export interface IDatabase {
  /** Runs a real query; never throws. */
  ping(): DatabaseStatus;
  /** Checkpoints the WAL into the main file and closes; idempotent. */
  close(): void;
}

export const DATABASE = Symbol('IDatabase');

/** The raw better-sqlite3 connection, for infrastructure adapters only. */
export const SQLITE_CONNECTION = Symbol('SqliteConnection');
