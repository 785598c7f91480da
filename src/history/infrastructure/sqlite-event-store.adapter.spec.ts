import Database from 'better-sqlite3';
import { StorageHealth } from '../../lifecycle/application/storage-health.service.js';
import { migrate } from '../../persistence/infrastructure/migrations.js';
import { fillDatabase } from '../../persistence/infrastructure/testing/full-database.js';
import type { StoredEventInput } from '../domain/stored-event.js';
import { EVENT_LOG, SqliteEventStore } from './sqlite-event-store.adapter.js';

type Db = InstanceType<typeof Database>;

function eventOf(fields: Partial<StoredEventInput> = {}): StoredEventInput {
  return {
    name: 'web',
    index: 1,
    from: 'stopped',
    to: 'starting',
    pid: 1000,
    exitCode: null,
    signal: null,
    reason: 'start requested',
    at: '2024-01-01T00:00:00.000Z',
    backendInstanceId: 'instance-1',
    ...fields,
  };
}

/** `count` events of `name`, told apart by their reason (`<name> #<n>`, from 1). */
const eventsOf = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) => eventOf({ name, reason: `${name} #${i + 1}` }));

describe('SqliteEventStore', () => {
  let db: Db;
  let store: SqliteEventStore;

  const rowCount = () => (db.prepare('SELECT COUNT(*) AS n FROM process_events').get() as { n: number }).n;
  const reasonsOf = (name: string) =>
    (db.prepare('SELECT reason FROM process_events WHERE name = ? ORDER BY id').all(name) as { reason: string }[]).map((r) => r.reason);

  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    store = new SqliteEventStore(db);
  });

  afterEach(() => {
    db.close();
  });

  describe('when a batch is appended', () => {
    it('returns every event with its fields and ascending ids', () => {
      // Arrange
      const batch = [
        eventOf({ name: 'web', from: 'stopped', to: 'starting' }),
        eventOf({ name: 'worker', index: 2, from: 'running', to: 'backoff', pid: 1001, exitCode: 1, signal: null, reason: 'exited with code 1' }),
        eventOf({ name: 'web', from: 'running', to: 'stopped', pid: null, exitCode: null, signal: 'SIGTERM' }),
      ];

      // Act
      const stored = store.append(batch);

      // Assert
      expect(stored).toEqual(batch.map((e, i) => ({ ...e, id: stored[i].id })));
      expect(stored.map((e) => e.id)).toEqual([1, 2, 3]);
      expect(store.since(0, 10)).toEqual(stored);
    });

    it('gives a later batch ids above those of the earlier one', () => {
      // Arrange
      const first = store.append(eventsOf('web', 2));

      // Act
      const second = store.append(eventsOf('web', 2));

      // Assert
      expect(second[0].id).toBeGreaterThan(first[1].id);
      expect(second[1].id).toBeGreaterThan(second[0].id);
    });

    it('returns nothing and writes nothing for an empty batch', () => {
      // Act
      const stored = store.append([]);

      // Assert
      expect(stored).toEqual([]);
      expect(rowCount()).toBe(0);
    });
  });

  describe('when one row of a batch violates a constraint', () => {
    it('throws and inserts none of the batch', () => {
      // Arrange
      store.append([eventOf({ reason: 'before' })]);
      const batch = [eventOf({ reason: 'fine' }), eventOf({ reason: null as unknown as string }), eventOf({ reason: 'also fine' })];

      // Act
      const act = () => store.append(batch);

      // Assert
      expect(act).toThrow(/NOT NULL/);
      expect(reasonsOf('web')).toEqual(['before']);
    });
  });

  describe('when a process history is paged', () => {
    it('gives the newest first, at most `limit`', () => {
      // Arrange
      store.append(eventsOf('web', 5));
      store.append(eventsOf('worker', 2));

      // Act
      const page = store.page('web', 3);

      // Assert
      expect(page.map((e) => e.reason)).toEqual(['web #5', 'web #4', 'web #3']);
      expect(page.every((e) => e.name === 'web')).toBe(true);
    });

    it('continues before `beforeId` until the history is exhausted', () => {
      // Arrange
      const web = eventsOf('web', 5);
      const worker = eventsOf('worker', 5);
      store.append(web.flatMap((e, i) => [e, worker[i]]));
      const first = store.page('web', 2);

      // Act
      const second = store.page('web', 2, first.at(-1)!.id);
      const third = store.page('web', 2, second.at(-1)!.id);
      const fourth = store.page('web', 2, third.at(-1)!.id);

      // Assert
      expect(first.map((e) => e.reason)).toEqual(['web #5', 'web #4']);
      expect(second.map((e) => e.reason)).toEqual(['web #3', 'web #2']);
      expect(third.map((e) => e.reason)).toEqual(['web #1']);
      expect(fourth).toEqual([]);
    });

    it('gives an empty page for a name with no events', () => {
      // Arrange
      store.append(eventsOf('web', 2));

      // Act
      const page = store.page('nope', 10);

      // Assert
      expect(page).toEqual([]);
    });
  });

  describe('when events are read since an id', () => {
    it('gives the later events of every process, oldest first, at most `limit`', () => {
      // Arrange
      const stored = store.append([eventOf({ name: 'web', reason: 'a' }), eventOf({ name: 'worker', reason: 'b' }), eventOf({ name: 'web', reason: 'c' }), eventOf({ name: 'api', reason: 'd' })]);

      // Act
      const after = store.since(stored[0].id, 2);
      const rest = store.since(after.at(-1)!.id, 10);
      const none = store.since(stored.at(-1)!.id, 10);

      // Assert
      expect(after.map((e) => `${e.name}:${e.reason}`)).toEqual(['worker:b', 'web:c']);
      expect(rest.map((e) => `${e.name}:${e.reason}`)).toEqual(['api:d']);
      expect(none).toEqual([]);
    });
  });

  describe('when the log is pruned', () => {
    it('keeps exactly the newest N of each named process and leaves other names alone', () => {
      // Arrange
      store.append([...eventsOf('web', 5), ...eventsOf('worker', 4), ...eventsOf('api', 6)]);

      // Act
      store.prune(['web', 'worker'], 2);

      // Assert
      expect(reasonsOf('web')).toEqual(['web #4', 'web #5']);
      expect(reasonsOf('worker')).toEqual(['worker #3', 'worker #4']);
      expect(reasonsOf('api')).toHaveLength(6);
    });

    it('keeps everything of a process with at most N events', () => {
      // Arrange
      store.append([...eventsOf('web', 3), ...eventsOf('worker', 2)]);

      // Act
      store.prune(['web', 'worker'], 3);

      // Assert
      expect(reasonsOf('web')).toEqual(['web #1', 'web #2', 'web #3']);
      expect(reasonsOf('worker')).toEqual(['worker #1', 'worker #2']);
    });

    it('keeps the newest N even when the names interleave', () => {
      // Arrange
      for (let i = 1; i <= 4; i++) store.append([eventOf({ name: 'web', reason: `web #${i}` }), eventOf({ name: 'worker', reason: `worker #${i}` })]);

      // Act
      store.prune(['web'], 1);

      // Assert
      expect(reasonsOf('web')).toEqual(['web #4']);
      expect(reasonsOf('worker')).toEqual(['worker #1', 'worker #2', 'worker #3', 'worker #4']);
    });
  });

  describe('when the database is full (SQLITE_FULL)', () => {
    it('throws the storage error for the recorder to keep the batch, reports it, and clears it on the next good write', () => {
      const storage = new StorageHealth({ error: () => undefined, log: () => undefined } as never);
      store = new SqliteEventStore(db, storage);
      const free = fillDatabase(db, (i, padding) => store.append([eventOf({ name: 'pad', reason: `${i} ${padding}` })]));
      expect(storage.problems()).toEqual([expect.objectContaining({ component: EVENT_LOG })]);
      const before = rowCount();

      expect(() => store.append(eventsOf('web', 3))).toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));
      expect(rowCount()).toBe(before);

      free();
      store.append(eventsOf('web', 3));
      expect(reasonsOf('web')).toEqual(['web #1', 'web #2', 'web #3']);
      expect(storage.problems()).toEqual([]);
    });
  });
});
