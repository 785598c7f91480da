import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { isStorageError } from '../../../lifecycle/application/ports/storage-health.port.js';

// O_NOFOLLOW: never write through a symlink planted at the path. O_NONBLOCK: a FIFO there fails (ENXIO) instead of hanging.
const OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** How long a file that hit a full disk waits before the next try. */
const RETRY_MS = 1000;

export interface LogFileEvents {
  /** The file can never be used (a symlink, not a regular file, no permission): said once. */
  unusable(path: string, reason: string): void;
  /** A write failed for lack of space or an I/O error (retried), or works again. */
  storage(path: string, error: unknown | null): void;
}

/**
 * One log file written by the log writer only, so rotating by rename loses nothing: when
 * the next write would pass `maxBytes`, `<path>` becomes `<path>.1` (… up to `.<keep>`) and
 * a new file is opened. Writes are whole lines (the caller's job), so a rotation never cuts one.
 */
export class RotatingLogFile {
  private fd: number | null = null;
  private size = 0;
  private dead = false;
  private outageSince: number | null = null;
  private droppedBytes = 0;
  refs = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
    private readonly events: LogFileEvents,
  ) {}

  /** Appends `parts` in order as one piece: a rotation happens before them, never between them. */
  write(...parts: readonly Buffer[]): void {
    let length = 0;
    for (const part of parts) length += part.length;
    if (this.dead || length === 0) return;
    if (this.outageSince !== null) {
      if (Date.now() - this.outageSince < RETRY_MS) {
        this.droppedBytes += length;
        return;
      }
      if (!this.recover()) {
        this.droppedBytes += length;
        return;
      }
    }
    if (this.fd !== null && this.size > 0 && this.size + length > this.maxBytes) this.rotate();
    if (!this.open()) {
      this.droppedBytes += this.outageSince !== null ? length : 0;
      return;
    }
    let written = 0;
    try {
      // One writev for a line's held start and the chunk it ends in: no copy to join them.
      written = parts.length === 1 ? fs.writeSync(this.fd!, parts[0]) : fs.writevSync(this.fd!, parts as Buffer[]);
      if (written < length) {
        // A short write (a disk filling up): the rest, joined, a write at a time.
        const all = parts.length === 1 ? parts[0] : Buffer.concat(parts as Buffer[]);
        while (written < length) written += fs.writeSync(this.fd!, all, written);
      }
      this.size += length;
    } catch (error) {
      this.size += written;
      this.fail(error, length - written);
    }
  }

  /** In an outage: tries to reopen (and mark the gap) once the retry pause is over; true when the file works again. */
  retry(): boolean {
    if (this.outageSince === null) return true;
    if (this.dead || Date.now() - this.outageSince < RETRY_MS) return false;
    return this.recover();
  }

  get failing(): boolean {
    return this.outageSince !== null;
  }

  close(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // released by the kernel anyway
    }
    this.fd = null;
  }

  private open(): boolean {
    if (this.fd !== null) return true;
    if (this.dead || this.outageSince !== null) return false;
    try {
      const dir = dirname(this.path);
      fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
      // The directory the file goes in must not be a link either.
      if (fs.lstatSync(dir).isSymbolicLink()) throw Object.assign(new Error(`${dir} is a symbolic link`), { code: 'ELOOP' });
      const fd = fs.openSync(this.path, OPEN_FLAGS, 0o640);
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) {
        fs.closeSync(fd);
        throw Object.assign(new Error('not a regular file'), { code: 'ENOTREGULAR' });
      }
      this.fd = fd;
      this.size = stat.size;
      return true;
    } catch (error) {
      this.fail(error, 0);
      return false;
    }
  }

  /** `<path>` → `<path>.1` → … → `<path>.<keep>`; the oldest is overwritten (keep 0: removed). */
  private rotate(): void {
    this.close();
    try {
      if (this.keep === 0) {
        fs.rmSync(this.path, { force: true });
      } else {
        for (let index = this.keep - 1; index >= 1; index--) renameIfPresent(`${this.path}.${index}`, `${this.path}.${index + 1}`);
        renameIfPresent(this.path, `${this.path}.1`);
      }
    } catch (error) {
      this.fail(error, 0);
    }
    this.size = 0;
  }

  private fail(error: unknown, lostBytes: number): void {
    this.close();
    if (isStorageError(error)) {
      if (this.outageSince === null) this.events.storage(this.path, error);
      this.outageSince = Date.now();
      this.droppedBytes += lostBytes;
      return;
    }
    this.dead = true;
    this.events.unusable(this.path, describe(error));
  }

  /** After an outage: reopen and mark what was dropped. */
  private recover(): boolean {
    this.outageSince = null;
    if (!this.open()) return false;
    const mark = Buffer.from(`\nprocguard: ${this.droppedBytes} byte(s) of output dropped here: the disk was full or failing\n`);
    try {
      fs.writeSync(this.fd!, mark);
      this.size += mark.length;
    } catch (error) {
      this.fail(error, 0);
      return false;
    }
    this.droppedBytes = 0;
    this.events.storage(this.path, null);
    return true;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ELOOP') return 'it is a symbolic link';
  if (code === 'ENOTREGULAR' || code === 'ENXIO') return 'it is not a regular file';
  return code ?? String(error);
}
