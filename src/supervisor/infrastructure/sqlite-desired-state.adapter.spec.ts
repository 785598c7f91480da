import { jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { StorageHealth } from '../../lifecycle/application/storage-health.service.js';
import { migrate } from '../../persistence/infrastructure/migrations.js';
import { fillDatabase } from '../../persistence/infrastructure/testing/full-database.js';
import { DESIRED_STATE_COMPONENT, SqliteDesiredStateStore } from './sqlite-desired-state.adapter.js';

type Db = InstanceType<typeof Database>;

describe('SqliteDesiredStateStore', () => {
  let db: Db;
  let store: SqliteDesiredStateStore;

  const rowOf = (name: string) =>
    db.prepare('SELECT name, desired, source, updated_at FROM desired_state WHERE name = ?').get(name) as
      | { name: string; desired: string; source: string; updated_at: string }
      | undefined;

  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    store = new SqliteDesiredStateStore(db);
  });

  afterEach(() => {
    db.close();
  });

  describe('when nothing was set for a name', () => {
    it('gives null', () => {
      // Arrange
      store.set('web', 'stopped', 'operator');

      // Act
      const desired = store.get('worker');

      // Assert
      expect(desired).toBeNull();
    });
  });

  describe('when an intent is set', () => {
    it('gives it back and stores its source and time', () => {
      // Arrange
      const before = new Date().toISOString();

      // Act
      store.set('web', 'stopped', 'operator');

      // Assert
      expect(store.get('web')).toBe('stopped');
      const row = rowOf('web')!;
      expect(row).toMatchObject({ name: 'web', desired: 'stopped', source: 'operator' });
      expect(row.updated_at >= before).toBe(true);
      expect(Number.isNaN(Date.parse(row.updated_at))).toBe(false);
    });
  });

  describe('when an intent is set again', () => {
    it('replaces the earlier one in its single row', () => {
      // Arrange
      store.set('web', 'stopped', 'operator');

      // Act
      store.set('web', 'running', 'api');

      // Assert
      expect(store.get('web')).toBe('running');
      expect(rowOf('web')).toMatchObject({ desired: 'running', source: 'api' });
      expect((db.prepare('SELECT COUNT(*) AS n FROM desired_state').get() as { n: number }).n).toBe(1);
    });
  });

  describe('when intents are cleared', () => {
    it('forgets the named ones only, and ignores names never set', () => {
      // Arrange
      store.set('web-1', 'stopped', 'operator');
      store.set('web-2', 'running', 'operator');
      store.set('worker', 'stopped', 'operator');

      // Act
      store.clear(['web-1', 'web-2', 'never-set']);

      // Assert
      expect([store.get('web-1'), store.get('web-2'), store.get('worker')]).toEqual([null, null, 'stopped']);
    });
  });

  describe('when a value outside running/stopped is written', () => {
    it('is refused by the schema', () => {
      // Act
      const act = () => store.set('web', 'paused' as 'running', 'operator');

      // Assert
      expect(act).toThrow(/CHECK constraint/);
      expect(store.get('web')).toBeNull();
    });
  });

  describe('when the database is full (SQLITE_FULL)', () => {
    let storage: StorageHealth;
    let logged: string[];
    let free: () => void;

    beforeEach(() => {
      jest.useFakeTimers();
      logged = [];
      storage = new StorageHealth({ error: (m: string) => logged.push(m), log: (m: string) => logged.push(m) } as never);
      store = new SqliteDesiredStateStore(db, storage, 1000);
      store.set('web', 'running', 'config');
      const pad = db.prepare("INSERT INTO desired_state (name, desired, source, updated_at) VALUES (?, 'running', 'pad', 'x')");
      free = fillDatabase(db, (i, padding) => pad.run(`pad-${i}-${padding}`));
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('still takes every intent without throwing, answers it from memory and reports the outage', () => {
      expect(() => store.set('web', 'stopped', 'operator')).not.toThrow();
      expect(() => store.set('worker', 'stopped', 'operator')).not.toThrow();
      expect(() => store.clear(['web'])).not.toThrow();

      expect(store.get('web')).toBeNull();
      expect(store.get('worker')).toBe('stopped');
      expect(rowOf('worker')).toBeUndefined();
      expect(store.pendingCount).toBe(2);
      expect(storage.problems()).toEqual([expect.objectContaining({ component: DESIRED_STATE_COMPONENT, reason: expect.stringContaining('SQLITE_FULL') })]);
      expect(logged.filter((l) => l.startsWith('Cannot write desired state'))).toHaveLength(1);
    });

    it('writes the kept intents on the retry once there is room, and clears the problem', () => {
      store.set('worker', 'stopped', 'operator');
      store.clear(['web']);
      jest.advanceTimersByTime(1000);
      expect(store.pendingCount).toBe(2);

      free();
      jest.advanceTimersByTime(1000);

      expect(store.pendingCount).toBe(0);
      expect(rowOf('worker')).toMatchObject({ desired: 'stopped', source: 'operator' });
      expect(rowOf('web')).toBeUndefined();
      expect(storage.problems()).toEqual([]);
    });
  });
});
