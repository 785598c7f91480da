import { statfsSync } from 'node:fs';

/** Free space a retry waits for after a full disk: a few bytes of page slack must not end an outage. */
export const RECOVERY_FREE_BYTES = 64 * 1024;

/**
 * True when the file system holding `dir` has at least `minBytes` free for us.
 * Unknown (statfs failed) counts as free: the write that follows decides.
 */
export function hasFreeSpace(dir: string, minBytes = RECOVERY_FREE_BYTES): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize >= minBytes;
  } catch {
    return true;
  }
}
