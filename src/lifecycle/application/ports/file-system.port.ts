/** What the lock needs to know about a path, read without following symlinks. */
export interface FileStat {
  readonly isDirectory: boolean;
  readonly isSymbolicLink: boolean;
  readonly ino: string;
  /** Birth time in ns (0 where the file system does not record it). */
  readonly birthtimeNs: string;
  readonly mtimeMs: number;
}

/**
 * The few file operations the lifecycle needs. Synchronous on purpose: they
 * touch tiny files at start-up, and the lock budget is under a millisecond.
 */
export interface IFileSystem {
  /** lstat; null when the path does not exist. */
  stat(path: string): FileStat | null;
  /** null when missing. @throws with code ELOOP when the path is a symlink. */
  readText(path: string): string | null;
  /** Write to a fresh temp file and rename over `path`: never writes through a symlink. */
  writeAtomic(path: string, text: string): void;
  /** unlink; a missing file is fine. */
  remove(path: string): void;
  /** rmdir of an empty directory; a missing one is fine. */
  removeDir(path: string): void;
  /** mkdir -p, then prove the directory takes a new file. @throws DataDirectoryError */
  ensureWritableDir(path: string): void;
}
