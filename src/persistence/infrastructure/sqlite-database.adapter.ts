import { lstatSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { DatabaseStatus, IDatabase, PingOptions } from '../application/database.port.js';
import { currentVersion, migrate } from './migrations.js';
import { DatabaseUnusableError } from './persistence.errors.js';

export interface SqliteOptions {
  readonly path: string;
  readonly instanceId: string;
  readonly pid: number;
  /** @default 5000 */
  readonly busyTimeoutMs?: number;
}

/**
 * The SQLite file the single instance exists to protect. WAL with
 * synchronous=NORMAL: a crash of the process loses nothing committed; only a
 * power loss may drop the last transactions (never corrupts the file).
 */
export class SqliteDatabase implements IDatabase {
  private readonly ping$: Statement;
  private readonly begin$: Statement;
  private readonly rollback$: Statement;
  private readonly journalMode: string;
  private readonly closeListeners: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly options: SqliteOptions,
  ) {
    this.ping$ = db.prepare('SELECT MAX(version) AS v FROM schema_migrations');
    this.begin$ = db.prepare('BEGIN IMMEDIATE');
    this.rollback$ = db.prepare('ROLLBACK');
    this.journalMode = String(db.pragma('journal_mode', { simple: true }));
  }

  /** @throws DatabaseUnusableError, SchemaTooNewError */
  static open(options: SqliteOptions): SqliteDatabase {
    refuseSymlink(options.path);
    let db: Database;
    try {
      db = new BetterSqlite3(options.path);
    } catch (error) {
      throw new DatabaseUnusableError(`Cannot open database ${options.path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      db.prepare('INSERT INTO instance_runs (instance_id, pid, started_at) VALUES (?, ?, ?)').run(
        options.instanceId,
        options.pid,
        new Date().toISOString(),
      );
      return new SqliteDatabase(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get connection(): Database {
    return this.db;
  }

  ping(options: PingOptions = {}): DatabaseStatus {
    if (this.closed) return { status: 'down', schemaVersion: null, journalMode: null, error: 'closed' };
    try {
      const row = (options.writableWithinMs === undefined ? this.ping$.get() : this.writablePing(options.writableWithinMs)) as { v: number | null };
      return { status: 'up', schemaVersion: row.v ?? 0, journalMode: this.journalMode };
    } catch (error) {
      return { status: 'down', schemaVersion: null, journalMode: null, error: (error as Error).message };
    }
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /**
   * The read inside a write transaction that is rolled back: in WAL mode readers are never
   * blocked, so only taking the write lock shows a database our writes cannot reach.
   */
  private writablePing(withinMs: number): unknown {
    // Inside a transaction already (never across an await in this code base): the read alone.
    if (this.db.inTransaction) return this.ping$.get();
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(withinMs))}`);
    try {
      this.begin$.run();
      try {
        return this.ping$.get();
      } finally {
        this.rollback$.run();
      }
    } finally {
      this.db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
    }
  }

  close(reason = 'shutdown'): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db
        .prepare('UPDATE instance_runs SET stopped_at = ?, stop_reason = ? WHERE instance_id = ?')
        .run(new Date().toISOString(), reason, this.options.instanceId);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
      for (const listener of this.closeListeners.splice(0)) listener();
    }
  }

  schemaVersion(): number {
    return currentVersion(this.db);
  }
}

function refuseSymlink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) {
      throw new DatabaseUnusableError(`DATABASE_PATH ${path} is a symlink; refusing to write through it`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
