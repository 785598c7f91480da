import { accessSync, closeSync, constants, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from './migrations.js';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Why `path` cannot serve as the database, or null when SQLite can open or create it there:
 * checked before Nest loads so that a user's mistake gets one clear line instead of a stack
 * trace. An existing database is opened read-only, only to read its schema version: call it
 * with the instance lock held.
 */
export function databasePathProblem(path: string): string | null {
  try {
    return check(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return 'runs through a file where a directory should be (ENOTDIR)';
    return `cannot be checked (${code ?? (error as Error).message})`;
  }
}

function check(path: string): string | null {
  const stat = lstatOrNull(path);
  const dir = dirname(path);
  if (stat === null) return directoryProblem(dir);
  if (stat.isSymbolicLink()) return 'is a symlink; refusing to write through it (point DATABASE_PATH at the real file)';
  if (stat.isDirectory()) return 'is a directory; point DATABASE_PATH at a file (e.g. app.db inside it)';
  if (!stat.isFile()) return 'is not a regular file';
  const access = accessProblem(path, constants.R_OK | constants.W_OK);
  if (access) return `cannot be read and written (${access})`;
  // SQLite creates the -wal and -shm files beside the database.
  const dirProblem = directoryProblem(dir);
  if (dirProblem) return dirProblem;
  if (stat.size === 0) return null;
  if (readHeader(path) !== SQLITE_HEADER) return 'is not an SQLite database (it does not start with "SQLite format 3")';
  return schemaProblem(path);
}

/** A schema from a newer build; any other trouble is left to the real open (a WAL left by a crash is fine). */
function schemaProblem(path: string): string | null {
  let version = 0;
  try {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    try {
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (table) version = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
  if (version <= LATEST_SCHEMA_VERSION) return null;
  return (
    `holds schema version ${version}, newer than this build understands (${LATEST_SCHEMA_VERSION}); ` +
    'run the newer procguard build, or point DATABASE_PATH at another file'
  );
}

function directoryProblem(dir: string): string | null {
  const stat = lstatOrNull(dir);
  if (stat === null) return `is in ${dir}, which does not exist; create it, or point DATABASE_PATH elsewhere`;
  if (!stat.isDirectory() && !stat.isSymbolicLink()) return `is in ${dir}, which is not a directory`;
  const access = accessProblem(dir, constants.W_OK | constants.X_OK);
  return access ? `is in ${dir}, which is not writable (${access}); SQLite creates its -wal and -shm files there` : null;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function accessProblem(path: string, mode: number): string | null {
  try {
    accessSync(path, mode);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

function readHeader(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const length = readSync(fd, header, 0, header.length, 0);
    return header.toString('latin1', 0, length);
  } finally {
    closeSync(fd);
  }
}
