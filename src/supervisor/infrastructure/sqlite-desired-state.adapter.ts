import type { Database, Statement, Transaction } from 'better-sqlite3';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';
import type { Desired, IDesiredStateStore } from '../application/ports/desired-state.port.js';

/** How this store is named in storage health. */
export const DESIRED_STATE_COMPONENT = 'desired state';

/** An intent not yet in the table: a value to upsert, or null for a row to delete. */
type Pending = { desired: Desired; source: string; at: string } | null;

/**
 * Operator intent in SQLite (table desired_state, migration 2). On a full or
 * failing disk (SQLITE_FULL, SQLITE_IOERR…) an intent is kept in memory (one
 * entry per name, so bounded), answered by `get`, reported to storage health and
 * written by the next change or a retry every `retryMs`: an operator action never
 * fails because the disk is full.
 */
export class SqliteDesiredStateStore implements IDesiredStateStore {
  private readonly select: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;
  private readonly writeAll: Transaction<(entries: [string, Pending][]) => void>;
  private readonly pending = new Map<string, Pending>();
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    db: Database,
    private readonly storage?: IStorageHealth,
    private readonly retryMs = 2000,
  ) {
    this.select = db.prepare('SELECT desired FROM desired_state WHERE name = ?');
    this.upsert = db.prepare(
      `INSERT INTO desired_state (name, desired, source, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET desired = excluded.desired, source = excluded.source, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM desired_state WHERE name = ?');
    this.writeAll = db.transaction((entries: [string, Pending][]) => {
      for (const [name, value] of entries) {
        if (value) this.upsert.run(name, value.desired, value.source, value.at);
        else this.remove.run(name);
      }
    });
  }

  get(name: string): Desired | null {
    if (this.pending.has(name)) return this.pending.get(name)?.desired ?? null;
    const row = this.select.get(name) as { desired: Desired } | undefined;
    return row?.desired ?? null;
  }

  set(name: string, desired: Desired, source: string): void {
    this.pending.set(name, { desired, source, at: new Date().toISOString() });
    this.persist();
  }

  clear(names: readonly string[]): void {
    for (const name of names) this.pending.set(name, null);
    this.persist();
  }

  /** Intents still waiting for the disk. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes every pending intent in one transaction; a storage error keeps them for the retry. */
  private persist(): void {
    if (this.pending.size === 0) return;
    try {
      this.writeAll([...this.pending]);
    } catch (error) {
      if (!isStorageError(error)) {
        this.pending.clear();
        throw error;
      }
      this.storage?.failed(DESIRED_STATE_COMPONENT, error);
      this.retry ??= setTimeout(() => this.retryPending(), this.retryMs);
      // A pending write must not keep a stopping backend alive.
      this.retry.unref();
      return;
    }
    this.pending.clear();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.storage?.succeeded(DESIRED_STATE_COMPONENT);
  }

  private retryPending(): void {
    this.retry = null;
    try {
      this.persist();
    } catch {
      // Not a storage error (the database was closed at shutdown): nothing more to do from a timer.
    }
  }
}
