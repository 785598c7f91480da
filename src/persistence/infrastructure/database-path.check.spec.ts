import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { databasePathProblem } from './database-path.check.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';

describe('databasePathProblem', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'procguard-dbpath-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when SQLite can open or create the file', () => {
    it('accepts a file not yet created in an existing directory', () => {
      expect(databasePathProblem(join(dir, 'app.db'))).toBeNull();
    });

    it('accepts an empty file (SQLite makes it a database)', () => {
      fs.writeFileSync(join(dir, 'app.db'), '');

      expect(databasePathProblem(join(dir, 'app.db'))).toBeNull();
    });

    it('accepts an existing SQLite database, and leaves it as it was', () => {
      const path = join(dir, 'app.db');
      const db = new BetterSqlite3(path);
      db.exec('CREATE TABLE t (x)');
      db.close();
      const before = fs.readFileSync(path);

      expect(databasePathProblem(path)).toBeNull();
      expect(fs.readFileSync(path).equals(before)).toBe(true);
    });
  });

  describe('when the database was written by a newer build', () => {
    it('says so, and leaves the file as it was', () => {
      const path = join(dir, 'app.db');
      const db = new BetterSqlite3(path);
      db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (99, 'future', 'x')");
      db.close();
      const before = fs.readFileSync(path);

      expect(databasePathProblem(path)).toBe(
        `holds schema version 99, newer than this build understands (${LATEST_SCHEMA_VERSION}); run the newer procguard build, or point DATABASE_PATH at another file`,
      );
      expect(fs.readFileSync(path).equals(before)).toBe(true);
    });

    it('lets a database left by a crash through (WAL present, no -shm): the real open recovers it', () => {
      const live = join(dir, 'live.db');
      const db = new BetterSqlite3(live);
      db.pragma('journal_mode = WAL');
      db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
      // A copy taken while the writer is open is what a kill -9 leaves: the database and its WAL.
      fs.copyFileSync(live, join(dir, 'app.db'));
      fs.copyFileSync(`${live}-wal`, join(dir, 'app.db-wal'));
      db.close();

      expect(databasePathProblem(join(dir, 'app.db'))).toBeNull();
    });

    it('accepts a database of this build\'s version', () => {
      const path = join(dir, 'app.db');
      const db = new BetterSqlite3(path);
      db.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (${LATEST_SCHEMA_VERSION}, 'now', 'x')`);
      db.close();

      expect(databasePathProblem(path)).toBeNull();
    });
  });

  describe('when it cannot be used', () => {
    it.each<[string, (path: string) => string, string | RegExp]>([
      ['a directory', (path) => (fs.mkdirSync(path), path), 'is a directory; point DATABASE_PATH at a file (e.g. app.db inside it)'],
      [
        'a symlink',
        (path) => (fs.writeFileSync(join(dir, 'real.db'), ''), fs.symlinkSync(join(dir, 'real.db'), path), path),
        'is a symlink; refusing to write through it (point DATABASE_PATH at the real file)',
      ],
      ['a text file', (path) => (fs.writeFileSync(path, 'hello, not a database\n'), path), 'is not an SQLite database (it does not start with "SQLite format 3")'],
      ['a file shorter than the header', (path) => (fs.writeFileSync(path, 'SQLite'), path), /is not an SQLite database/],
      ['in a missing directory', () => join(dir, 'nope', 'app.db'), /^is in \/.+\/nope, which does not exist; create it, or point DATABASE_PATH elsewhere$/],
      ['under a file', (path) => (fs.writeFileSync(path, ''), join(path, 'app.db')), 'runs through a file where a directory should be (ENOTDIR)'],
      ['a FIFO', (path) => (execFileSync('mkfifo', [path]), path), 'is not a regular file'],
    ])('refuses %s, saying why', (_, make, problem) => {
      const path = make(join(dir, 'app.db'));

      const found = databasePathProblem(path);

      if (typeof problem === 'string') expect(found).toBe(problem);
      else expect(found).toMatch(problem);
    });
  });
});
