import Database from 'better-sqlite3';
import { migrate } from '../../persistence/infrastructure/migrations.js';
import { SqliteDesiredStateStore } from './sqlite-desired-state.adapter.js';

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
});
