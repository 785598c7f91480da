import { posix } from 'node:path';
import type { FileStat, IFileSystem } from '../../application/ports/file-system.port.js';
import { DataDirectoryError } from '../../domain/lifecycle.errors.js';

/** Inode facts a test may pin down; anything left out gets a fresh inode and the clock's time. */
export interface EntryMeta {
  readonly ino?: string;
  readonly birthtimeNs?: string;
  readonly mtimeMs?: number;
}

type Entry =
  | { kind: 'file'; text: string; ino: string; birthtimeNs: string; mtimeMs: number }
  | { kind: 'dir'; ino: string; birthtimeNs: string; mtimeMs: number }
  | { kind: 'symlink'; target: string; ino: string; birthtimeNs: string; mtimeMs: number };

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

/**
 * IFileSystem kept in a Map, for unit tests. Behaves like the node adapter
 * where the lock depends on it: stat never follows symlinks, reading a symlink
 * fails with ELOOP, writeAtomic replaces whatever sits at the path (a symlink
 * included) with a new inode, and missing paths are fine to remove.
 */
export class InMemoryFileSystem implements IFileSystem {
  private readonly entries = new Map<string, Entry>([['/', { kind: 'dir', ino: '1', birthtimeNs: '0', mtimeMs: 0 }]]);
  private readonly failures = new Map<string, string>();
  private nextIno = 1000;

  /** @param clock milliseconds "now", used for birth and modification times. */
  constructor(private readonly clock: () => number = () => 0) {}

  // ---- arranging -------------------------------------------------------

  addDir(path: string, meta: EntryMeta = {}): this {
    const p = this.norm(path);
    this.ensureParents(p);
    this.entries.set(p, { kind: 'dir', ...this.meta(meta) });
    return this;
  }

  addFile(path: string, text: string, meta: EntryMeta = {}): this {
    const p = this.norm(path);
    this.ensureParents(p);
    this.entries.set(p, { kind: 'file', text, ...this.meta(meta) });
    return this;
  }

  addSymlink(path: string, target: string, meta: EntryMeta = {}): this {
    const p = this.norm(path);
    this.ensureParents(p);
    this.entries.set(p, { kind: 'symlink', target, ...this.meta(meta) });
    return this;
  }

  /** Sets the modification time, as a lock holder refreshing its lock does. */
  touch(path: string, mtimeMs: number = this.clock()): this {
    const entry = this.entries.get(this.norm(path));
    if (!entry) throw errno('ENOENT', 'utimes', path);
    entry.mtimeMs = mtimeMs;
    return this;
  }

  /** Every later operation on `path` fails with this errno code (e.g. EACCES, EIO). */
  failWith(path: string, code: string): this {
    this.failures.set(this.norm(path), code);
    return this;
  }

  // ---- inspecting ------------------------------------------------------

  exists(path: string): boolean {
    return this.entries.has(this.norm(path));
  }

  kindOf(path: string): 'file' | 'dir' | 'symlink' | null {
    return this.entries.get(this.norm(path))?.kind ?? null;
  }

  /** The text of a regular file, or null. Never follows symlinks. */
  contentOf(path: string): string | null {
    const entry = this.entries.get(this.norm(path));
    return entry?.kind === 'file' ? entry.text : null;
  }

  paths(): string[] {
    return [...this.entries.keys()].sort();
  }

  // ---- IFileSystem -----------------------------------------------------

  stat(path: string): FileStat | null {
    const p = this.norm(path);
    this.check(p, 'lstat');
    const entry = this.entries.get(p);
    if (!entry) return null;
    return {
      isDirectory: entry.kind === 'dir',
      isSymbolicLink: entry.kind === 'symlink',
      ino: entry.ino,
      birthtimeNs: entry.birthtimeNs,
      mtimeMs: entry.mtimeMs,
    };
  }

  readText(path: string): string | null {
    const p = this.norm(path);
    this.check(p, 'open');
    const entry = this.entries.get(p);
    if (!entry) return null;
    if (entry.kind === 'symlink') throw errno('ELOOP', 'open', p);
    if (entry.kind === 'dir') throw errno('EISDIR', 'read', p);
    return entry.text;
  }

  writeAtomic(path: string, text: string): void {
    const p = this.norm(path);
    this.check(p, 'open');
    const parent = this.entries.get(posix.dirname(p));
    if (!parent) throw errno('ENOENT', 'open', p);
    if (parent.kind !== 'dir') throw errno('ENOTDIR', 'open', p);
    if (this.entries.get(p)?.kind === 'dir') throw errno('EISDIR', 'rename', p);
    this.entries.set(p, { kind: 'file', text, ...this.meta({}) });
  }

  remove(path: string): void {
    const p = this.norm(path);
    this.check(p, 'unlink');
    const entry = this.entries.get(p);
    if (!entry) return;
    if (entry.kind === 'dir') throw errno('EISDIR', 'unlink', p);
    this.entries.delete(p);
  }

  removeDir(path: string): void {
    const p = this.norm(path);
    this.check(p, 'rmdir');
    const entry = this.entries.get(p);
    if (!entry) return;
    if (entry.kind !== 'dir') throw errno('ENOTDIR', 'rmdir', p);
    if (this.childrenOf(p).length > 0) throw errno('ENOTEMPTY', 'rmdir', p);
    this.entries.delete(p);
  }

  ensureWritableDir(path: string): void {
    const p = this.norm(path);
    try {
      this.check(p, 'mkdir');
      let current = '/';
      for (const part of p.split('/').filter(Boolean)) {
        current = posix.join(current, part);
        this.check(current, 'mkdir');
        const entry = this.entries.get(current);
        if (!entry) this.entries.set(current, { kind: 'dir', ...this.meta({}) });
        else if (entry.kind !== 'dir') throw errno('ENOTDIR', 'mkdir', current);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new DataDirectoryError(`Data directory ${p} is not usable (${code})`, { cause: error });
    }
  }

  // ---- internals -------------------------------------------------------

  private norm(path: string): string {
    if (!posix.isAbsolute(path)) throw new Error(`InMemoryFileSystem wants absolute paths, got ${path}`);
    return posix.normalize(path).replace(/(.)\/+$/, '$1');
  }

  private check(path: string, syscall: string): void {
    const code = this.failures.get(path);
    if (code) throw errno(code, syscall, path);
  }

  private meta(meta: EntryMeta): { ino: string; birthtimeNs: string; mtimeMs: number } {
    const now = this.clock();
    return {
      ino: meta.ino ?? String(this.nextIno++),
      birthtimeNs: meta.birthtimeNs ?? (BigInt(Math.round(now)) * 1_000_000n).toString(),
      mtimeMs: meta.mtimeMs ?? now,
    };
  }

  private ensureParents(path: string): void {
    let current = posix.dirname(path);
    const missing: string[] = [];
    while (!this.entries.has(current)) {
      missing.unshift(current);
      current = posix.dirname(current);
    }
    for (const dir of missing) this.entries.set(dir, { kind: 'dir', ...this.meta({}) });
  }

  private childrenOf(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.entries.keys()].filter((p) => p !== dir && p.startsWith(prefix));
  }
}
