import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { DataDirectoryError } from '../domain/lifecycle.errors.js';
import type { FileStat, IFileSystem } from '../application/ports/file-system.port.js';

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** IFileSystem over node:fs, refusing to follow symlinks wherever it writes or reads. */
export class NodeFileSystem implements IFileSystem {
  stat(path: string): FileStat | null {
    try {
      const s = fs.lstatSync(path, { bigint: true });
      return {
        isDirectory: s.isDirectory(),
        isSymbolicLink: s.isSymbolicLink(),
        ino: s.ino.toString(),
        birthtimeNs: s.birthtimeNs.toString(),
        mtimeMs: Number(s.mtimeMs),
      };
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
  }

  readText(path: string): string | null {
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO planted at the path must not block start-up (and SIGTERM) for ever.
      fd = fs.openSync(path, fs.constants.O_RDONLY | NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREGULAR' });
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  writeAtomic(path: string, text: string): void {
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
    // O_EXCL|O_NOFOLLOW: a planted symlink at the temp name fails instead of being written through.
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o644);
    try {
      try {
        const data = Buffer.from(text, 'utf8');
        // writeSync may write less than asked (a nearly full disk): a short file must never be renamed into place.
        for (let offset = 0; offset < data.length; ) offset += fs.writeSync(fd, data, offset);
      } finally {
        fs.closeSync(fd);
      }
      // rename replaces a symlink at `path` itself, never the file it points to.
      fs.renameSync(tmp, path);
    } catch (error) {
      // Any failure (ENOSPC on write, EIO on close, rename refused) leaves no temp file behind.
      fs.rmSync(tmp, { force: true });
      throw error;
    }
  }

  remove(path: string): void {
    try {
      fs.unlinkSync(path);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
  }

  removeDir(path: string): void {
    try {
      fs.rmdirSync(path);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
  }

  ensureWritableDir(path: string): void {
    try {
      fs.mkdirSync(path, { recursive: true, mode: 0o750 });
      const probe = join(path, `.write-probe-${process.pid}`);
      fs.writeFileSync(probe, '', { flag: 'wx' });
      fs.unlinkSync(probe);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new DataDirectoryError(
        `Data directory ${path} is not usable (${code}: ${describe(code)}). ` +
          'Point DATA_DIR (or PID_FILE_PATH) at a writable directory.',
        { cause: error },
      );
    }
  }
}

function describe(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return 'cannot create or write files there';
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}
