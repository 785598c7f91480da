import type { Database, Statement } from 'better-sqlite3';
import type { Desired, IDesiredStateStore } from '../application/ports/desired-state.port.js';

/** Operator intent in SQLite (table desired_state, migration 2). */
export class SqliteDesiredStateStore implements IDesiredStateStore {
  private readonly select: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;

  constructor(db: Database) {
    this.select = db.prepare('SELECT desired FROM desired_state WHERE name = ?');
    this.upsert = db.prepare(
      `INSERT INTO desired_state (name, desired, source, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET desired = excluded.desired, source = excluded.source, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM desired_state WHERE name = ?');
  }

  get(name: string): Desired | null {
    const row = this.select.get(name) as { desired: Desired } | undefined;
    return row?.desired ?? null;
  }

  set(name: string, desired: Desired, source: string): void {
    this.upsert.run(name, desired, source, new Date().toISOString());
  }

  clear(names: readonly string[]): void {
    for (const name of names) this.remove.run(name);
  }
}
