/** What the rest of the app may ask of the database the instance protects. */
export interface DatabaseStatus {
  readonly status: 'up' | 'down';
  readonly schemaVersion: number | null;
  readonly journalMode: string | null;
  readonly error?: string;
}

/** How the health snapshot's periodic ping asks (see DatabasePing). */
export interface PingOptions {
  /**
   * Also take the write lock (BEGIN IMMEDIATE, then ROLLBACK: nothing is written), waiting at
   * most this long for it: a lock another connection holds then reads as down within this bound
   * instead of blocking for the connection's whole busy timeout.
   */
  readonly writableWithinMs?: number;
}

export interface IDatabase {
  /** Runs a real query; never throws. */
  ping(options?: PingOptions): DatabaseStatus;
  /** Checkpoints the WAL into the main file and closes; idempotent. */
  close(): void;
  /** Called once, when the connection closes (health shows it at once, not at the next ping). */
  onClose?(listener: () => void): void;
}

export const DATABASE = Symbol('IDatabase');

/** The raw better-sqlite3 connection, for infrastructure adapters only. */
export const SQLITE_CONNECTION = Symbol('SqliteConnection');
