import { accessSync, closeSync, constants, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Why `path` cannot serve as the database, or null when SQLite can open or create it there:
 * checked before Nest loads so that a user's mistake gets one clear line instead of a stack
 * trace. Opens nothing with SQLite; reads at most the 16-byte header of an existing file.
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
  if (stat.size > 0 && readHeader(path) !== SQLITE_HEADER) return 'is not an SQLite database (it does not start with "SQLite format 3")';
  return null;
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
