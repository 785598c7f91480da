import type { Database } from 'better-sqlite3';
import { SchemaTooNewError } from './persistence.errors.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Append only: a released migration is never edited, a new one gets the next version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'instance runs',
    sql: `
      CREATE TABLE instance_runs (
        instance_id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        stopped_at TEXT,
        stop_reason TEXT
      );`,
  },
  {
    version: 2,
    name: 'process events and desired state',
    sql: `
      CREATE TABLE process_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        instance_index INTEGER NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        pid INTEGER,
        exit_code INTEGER,
        signal TEXT,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        backend_instance_id TEXT NOT NULL
      );
      CREATE INDEX process_events_by_name ON process_events (name, id);
      CREATE TABLE desired_state (
        name TEXT PRIMARY KEY,
        desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Applies pending migrations, each in its own transaction with its version row.
 * @throws SchemaTooNewError when the file was written by a newer build.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = currentVersion(db);
  const known = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > known) throw new SchemaTooNewError(current, known);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
  }
  return currentVersion(db);
}

export function currentVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
