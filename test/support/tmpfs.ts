import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real, small tmpfs: a full disk the kernel itself reports (ENOSPC), not a simulated one. */
export interface SmallDisk {
  readonly dir: string;
  /** Writes `filler` until the file system answers ENOSPC even for one byte. */
  fill(): string;
  /** Removes what `fill` wrote: space is back. */
  free(): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `size` (e.g. "4m"). Needs root (the tests run as root here and in CI);
 * throws a clear error instead of skipping when it cannot mount.
 */
export function mountSmallDisk(size = '4m'): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'procguard-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new Error(
      `The full-disk tests need a real small tmpfs and could not mount one (${detail}). ` +
        'Run them as root (or with CAP_SYS_ADMIN); they must not be skipped.',
      { cause: error },
    );
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => {
      const fd = openSync(filler, 'a');
      try {
        for (const size of [1024 * 1024, 64 * 1024, 4096, 1]) {
          const chunk = Buffer.alloc(size, 0x61);
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return filler;
    },
    free: () => rmSync(filler, { force: true }),
    unmount: () => {
      // Lazy: a process of a failed test may still hold a file open there.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmdirSync(dir);
    },
  };
}
