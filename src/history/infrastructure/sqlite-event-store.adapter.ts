import type { Database, Statement } from 'better-sqlite3';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';
import type { IEventStore } from '../application/ports/event-store.port.js';
import type { StoredEvent, StoredEventInput } from '../domain/stored-event.js';

interface Row {
  id: number;
  name: string;
  instance_index: number;
  from_state: string;
  to_state: string;
  pid: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string;
  at: string;
  backend_instance_id: string;
}

const toEvent = (r: Row): StoredEvent => ({
  id: r.id,
  name: r.name,
  index: r.instance_index,
  from: r.from_state,
  to: r.to_state,
  pid: r.pid,
  exitCode: r.exit_code,
  signal: r.signal,
  reason: r.reason,
  at: r.at,
  backendInstanceId: r.backend_instance_id,
});

/** How the event log is named in storage health. */
export const EVENT_LOG = 'event log';

/**
 * The event log in SQLite (migration 2), with prepared statements only. A full or
 * failing disk (SQLITE_FULL, SQLITE_IOERR…) is reported to storage health and
 * thrown on, for the recorder to keep the batch and retry.
 */
export class SqliteEventStore implements IEventStore {
  private readonly insert: Statement;
  private readonly pageNewest: Statement;
  private readonly pageBefore: Statement;
  private readonly sinceId: Statement;
  private readonly pruneName: Statement;
  private readonly appendAll: (events: readonly StoredEventInput[]) => StoredEvent[];

  constructor(
    db: Database,
    private readonly storage?: IStorageHealth,
  ) {
    this.insert = db.prepare(
      `INSERT INTO process_events (name, instance_index, from_state, to_state, pid, exit_code, signal, reason, at, backend_instance_id)
       VALUES (@name, @index, @from, @to, @pid, @exitCode, @signal, @reason, @at, @backendInstanceId)`,
    );
    this.pageNewest = db.prepare('SELECT * FROM process_events WHERE name = ? ORDER BY id DESC LIMIT ?');
    this.pageBefore = db.prepare('SELECT * FROM process_events WHERE name = ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.sinceId = db.prepare('SELECT * FROM process_events WHERE id > ? ORDER BY id ASC LIMIT ?');
    this.pruneName = db.prepare(
      `DELETE FROM process_events WHERE name = @name AND id <= (
         SELECT id FROM process_events WHERE name = @name ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    );
    this.appendAll = db.transaction((events: readonly StoredEventInput[]) =>
      events.map((e) => ({ ...e, id: Number(this.insert.run(e).lastInsertRowid) })),
    );
  }

  append(events: readonly StoredEventInput[]): StoredEvent[] {
    const stored = this.reported(() => this.appendAll(events));
    this.storage?.succeeded(EVENT_LOG);
    return stored;
  }

  page(name: string, limit: number, beforeId?: number): StoredEvent[] {
    const rows = beforeId === undefined ? this.pageNewest.all(name, limit) : this.pageBefore.all(name, beforeId, limit);
    return (rows as Row[]).map(toEvent);
  }

  since(afterId: number, limit: number): StoredEvent[] {
    return (this.sinceId.all(afterId, limit) as Row[]).map(toEvent);
  }

  prune(names: readonly string[], keep: number): void {
    // A DELETE needs room in the WAL too.
    this.reported(() => {
      for (const name of names) this.pruneName.run({ name, keep });
    });
  }

  private reported<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (isStorageError(error)) this.storage?.failed(EVENT_LOG, error);
      throw error;
    }
  }
}
