/** One place whose writes are failing (a full disk, an I/O error). */
export interface StorageProblem {
  /** What could not be written: "child records", "process logs", "event log", "database". */
  readonly component: string;
  /** The error code and message of the first failure of this outage. */
  readonly reason: string;
  readonly since: string;
  /** Failures seen in this outage (each was also handled: dropped, retried or buffered). */
  readonly failures: number;
}

/**
 * Where adapters report the outcome of their writes, so a full disk or an I/O
 * error is seen in health (degraded, with the reason) and logged once per
 * outage instead of per write, and clears by itself once writes succeed again.
 */
export interface IStorageHealth {
  /** A write of `component` failed; the first failure of an outage is logged. */
  failed(component: string, error: unknown): void;
  /** A write of `component` succeeded; ends its outage (logged) if it had one. */
  succeeded(component: string): void;
  problems(): StorageProblem[];
  /** Called after every change of `problems()` (the health snapshot then rebuilds). */
  onChange?(listener: () => void): void;
}

/** Errors a full or failing disk gives; anything else is a bug and is not swallowed as one. */
export const STORAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EROFS',
  'EFBIG',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
]);

/** True when `error` is a storage failure (full disk, I/O error, read-only file system). */
export function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return STORAGE_ERROR_CODES.has(code) || [...STORAGE_ERROR_CODES].some((c) => code.startsWith(`${c}_`));
}
