import type { FileStat, IFileSystem } from '../application/ports/file-system.port.js';
import { ProcessLock, type LockGeneration } from '../domain/process-lock.value-object.js';
import type { LiveProcess } from './process-utils.js';

export interface LockPaths {
  readonly pidFile: string;
  /** proper-lockfile's lock directory. */
  readonly lockDir: string;
  /** Short-lived lock serialising the breaking of stale locks. */
  readonly gateDir: string;
}

export function lockPathsFor(pidFile: string): LockPaths {
  return { pidFile, lockDir: `${pidFile}.lock`, gateDir: `${pidFile}.gate` };
}

/** The subset of ProcessUtils the inspector needs; a seam for unit tests. */
export interface ProcessProbe {
  readonly hostname: string;
  inspect(pid: number): LiveProcess | null;
}

export type Liveness = 'alive' | 'unverified' | 'dead' | 'reused' | 'foreign';

export type LockVerdict =
  | { readonly kind: 'free' }
  | { readonly kind: 'held'; readonly holder: ProcessLock | null; readonly reason: string }
  /** A lock directory no PID file describes yet: its holder may be writing it right now. */
  | { readonly kind: 'unsettled'; readonly holder: ProcessLock | null; readonly reason: string }
  | { readonly kind: 'stale'; readonly holder: ProcessLock | null; readonly reason: string; readonly lock: FileStat }
  | { readonly kind: 'unusable'; readonly reason: string };

export function generationOf(stat: FileStat): LockGeneration {
  return { ino: stat.ino, birthtimeNs: stat.birthtimeNs };
}

/**
 * Decides whether the lock is free, held, or provably stale. Staleness needs
 * proof: the PID file describes this very lock directory and its holder is dead
 * or its PID now names another process. Without such a record, only a lock the
 * holder has stopped refreshing for `unrefreshedMs` counts as stale.
 */
export class LockInspector {
  constructor(
    private readonly paths: LockPaths,
    private readonly fs: IFileSystem,
    private readonly processes: ProcessProbe,
    private readonly unrefreshedMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  inspect(): LockVerdict {
    const lock = this.fs.stat(this.paths.lockDir);
    if (!lock) return { kind: 'free' };
    if (lock.isSymbolicLink || !lock.isDirectory) {
      return { kind: 'unusable', reason: `${this.paths.lockDir} is not a lock directory (a symlink or a file); remove it` };
    }
    const { record, problem } = this.readRecord();
    if (record && record.describes(generationOf(lock))) {
      // Without a birth time, a matching inode may be a reused one: a dead holder
      // is then only believed once the lock has also stopped being refreshed.
      const exact = lock.birthtimeNs !== '0';
      const liveness = this.liveness(record);
      switch (liveness) {
        case 'dead':
        case 'reused': {
          const reason =
            liveness === 'dead' ? `PID ${record.pid} is no longer running` : `PID ${record.pid} now belongs to a different process`;
          return exact ? { kind: 'stale', holder: record, reason, lock } : this.byRefresh(lock, record, reason, 'unsettled');
        }
        case 'alive':
          return { kind: 'held', holder: record, reason: 'holder is alive' };
        default:
          return this.byRefresh(lock, record, `holder identity cannot be verified (${liveness})`, 'held');
      }
    }
    return this.byRefresh(lock, record, problem ?? 'no PID file describes the lock yet', 'unsettled');
  }

  /** The PID file, or why it cannot be used. */
  readRecord(): { record: ProcessLock | null; problem: string | null } {
    let text: string | null;
    try {
      text = this.fs.readText(this.paths.pidFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { record: null, problem: code === 'ELOOP' ? 'the PID file is a symlink' : `the PID file cannot be read (${code})` };
    }
    if (text === null) return { record: null, problem: 'the PID file is missing' };
    try {
      return { record: ProcessLock.fromFile(text), problem: null };
    } catch (error) {
      return { record: null, problem: (error as Error).message };
    }
  }

  liveness(record: ProcessLock): Liveness {
    if (record.hostname && record.hostname !== this.processes.hostname) return 'foreign';
    const live = this.processes.inspect(record.pid);
    if (!live) return 'dead';
    const verdict = record.identity.compare(live);
    if (verdict === 'different') return 'reused';
    return verdict === 'same' ? 'alive' : 'unverified';
  }

  /** A live holder refreshes the lock's mtime every second; one that stopped long ago is gone. */
  private byRefresh(lock: FileStat, record: ProcessLock | null, why: string, whileFresh: 'held' | 'unsettled'): LockVerdict {
    const age = this.now() - lock.mtimeMs;
    if (age > this.unrefreshedMs) {
      return { kind: 'stale', holder: record, reason: `${why}, and the lock has not been refreshed for ${Math.round(age)} ms`, lock };
    }
    return { kind: whileFresh, holder: record, reason: why };
  }
}
