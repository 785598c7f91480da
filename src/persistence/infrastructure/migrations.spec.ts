import Database from 'better-sqlite3';
import { currentVersion, LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, type Migration } from './migrations.js';
import { SchemaTooNewError } from './persistence.errors.js';

type Db = InstanceType<typeof Database>;

function tables(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
}

function versionRows(db: Db): Array<{ version: number; name: string; applied_at: string }> {
  return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
    applied_at: string;
  }>;
}

const VERSION_2: Migration = {
  version: 2,
  name: 'agent events',
  sql: `
    CREATE TABLE agent_events (id INTEGER PRIMARY KEY, agent TEXT NOT NULL, at TEXT NOT NULL);
    ALTER TABLE instance_runs ADD COLUMN exit_code INTEGER;`,
};

describe('migrate', () => {
  let db: Db;

  beforeEach(() => {
    db = new Database(':memory:');
  });

  afterEach(() => {
    db.close();
  });

  describe('when the database is empty', () => {
    it('creates the version table and every table of the latest schema', () => {
      // Act
      const version = migrate(db);

      // Assert
      expect(version).toBe(LATEST_SCHEMA_VERSION);
      expect(tables(db)).toEqual(['desired_state', 'instance_runs', 'process_events', 'schema_migrations', 'sqlite_sequence']);
      expect(currentVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    });

    it('records each applied migration with its name and an ISO time', () => {
      migrate(db);

      const rows = versionRows(db);
      expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      for (const row of rows) expect(new Date(row.applied_at).toISOString()).toBe(row.applied_at);
    });

    it('leaves a usable instance_runs table', () => {
      migrate(db);

      db.prepare('INSERT INTO instance_runs (instance_id, pid, started_at) VALUES (?, ?, ?)').run('i-1', 42, '2024-01-01T00:00:00Z');

      expect(db.prepare('SELECT pid, stopped_at FROM instance_runs').get()).toEqual({ pid: 42, stopped_at: null });
    });

    it('is at version 0 with an empty migration list', () => {
      expect(migrate(db, [])).toBe(0);
      expect(tables(db)).toEqual(['schema_migrations']);
    });
  });

  describe('when run a second time', () => {
    it('changes nothing and keeps the data', () => {
      // Arrange
      migrate(db);
      db.prepare('INSERT INTO instance_runs (instance_id, pid, started_at) VALUES (?, ?, ?)').run('i-1', 42, '2024-01-01T00:00:00Z');
      const rowsBefore = versionRows(db);

      // Act
      const version = migrate(db);

      // Assert
      expect(version).toBe(LATEST_SCHEMA_VERSION);
      expect(versionRows(db)).toEqual(rowsBefore);
      expect(db.prepare('SELECT COUNT(*) AS n FROM instance_runs').get()).toEqual({ n: 1 });
    });
  });

  describe('when the database was written by a newer build', () => {
    it('throws SchemaTooNewError naming both versions and applies nothing', () => {
      // Arrange
      migrate(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 5, 'from the future', '2030-01-01T00:00:00.000Z');
      const tablesBefore = tables(db);

      // Act
      let thrown: unknown;
      try {
        migrate(db, [...MIGRATIONS, VERSION_2]);
      } catch (error) {
        thrown = error;
      }

      // Assert
      expect(thrown).toBeInstanceOf(SchemaTooNewError);
      expect(thrown).toMatchObject({ code: 'SCHEMA_TOO_NEW', found: LATEST_SCHEMA_VERSION + 5, known: 2 });
      expect((thrown as Error).message).toContain(`version ${LATEST_SCHEMA_VERSION + 5} is newer than this build understands (2)`);
      expect(tables(db)).toEqual(tablesBefore);
    });
  });

  describe('when a version-1 file meets this build (real migration 2)', () => {
    it('adds the event log and desired state and keeps the instance runs', () => {
      migrate(db, MIGRATIONS.filter((m) => m.version === 1));
      db.prepare('INSERT INTO instance_runs (instance_id, pid, started_at) VALUES (?, ?, ?)').run('i-1', 42, '2024-01-01T00:00:00Z');

      expect(migrate(db)).toBe(2);

      expect(tables(db)).toEqual(expect.arrayContaining(['process_events', 'desired_state', 'instance_runs']));
      expect(db.prepare('SELECT instance_id FROM instance_runs').all()).toEqual([{ instance_id: 'i-1' }]);
      expect(() => db.prepare("INSERT INTO desired_state VALUES ('x', 'paused', 'op', 'now')").run()).toThrow(/CHECK constraint/);
    });
  });

  describe('when at version 1 and a version 2 is added', () => {
    it('applies only version 2', () => {
      // Arrange
      const v1 = MIGRATIONS.filter((m) => m.version === 1);
      migrate(db, v1);
      db.prepare('INSERT INTO instance_runs (instance_id, pid, started_at) VALUES (?, ?, ?)').run('i-1', 42, '2024-01-01T00:00:00Z');
      let v1Ran = 0;
      const countingV1: Migration = { ...v1[0], get sql() { v1Ran++; return v1[0].sql; } };

      // Act
      const version = migrate(db, [countingV1, VERSION_2]);

      // Assert
      expect(version).toBe(2);
      expect(v1Ran).toBe(0);
      expect(versionRows(db).map((r) => r.version)).toEqual([1, 2]);
      expect(tables(db)).toEqual(['agent_events', 'instance_runs', 'schema_migrations']);
      expect(db.prepare('SELECT instance_id, exit_code FROM instance_runs').all()).toEqual([{ instance_id: 'i-1', exit_code: null }]);
    });

    it('rolls a failing version 2 back entirely and stays at version 1', () => {
      // Arrange
      migrate(db, MIGRATIONS.filter((m) => m.version === 1));
      const broken: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);' };

      // Act
      const act = () => migrate(db, [...MIGRATIONS.filter((m) => m.version === 1), broken]);

      // Assert
      expect(act).toThrow(/no such table/);
      expect(currentVersion(db)).toBe(1);
      expect(tables(db)).not.toContain('half_done');
    });
  });
});
