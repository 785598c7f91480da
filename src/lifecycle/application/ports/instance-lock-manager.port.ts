import type { LockRole, ProcessLock } from '../../domain/process-lock.value-object.js';

export interface LockRequest {
  readonly port: number;
  readonly host: string;
  readonly role: LockRole;
  /**
   * Instance id of a dev session that already holds the lock for this process
   * (handed down through the environment); the lock is then inherited, not taken.
   */
  readonly inheritFrom?: string;
  /** Called once if the lock is removed or taken over while held. */
  readonly onCompromised?: (error: Error) => void;
}

export interface TerminateOutcome {
  readonly pid: number;
  /** `absent`: it was already gone; `refused`: the PID now names another process. */
  readonly result: 'exited' | 'killed' | 'absent' | 'refused' | 'timeout';
}

/**
 * The single-instance lock of one data directory: a lock directory plus a PID
 * file that names the holder.
 */
export interface IInstanceLockManager {
  /** True when a live holder (proven or not disproven) holds the lock. */
  hasRunningInstance(): Promise<boolean>;
  /** The PID file of the current lock, or null when free or unidentified. */
  getCurrentLock(): Promise<ProcessLock | null>;
  /** @throws InstanceAlreadyRunningError, DataDirectoryError */
  acquireLock(request: LockRequest): Promise<ProcessLock>;
  /** Releases a lock this process holds; a no-op for an inherited one. */
  releaseLock(): Promise<void>;
  /** For forced exits, where no promise will get to run. */
  releaseLockSync(): void;
  /** Removes the lock when its holder is proven gone; true if it removed one. */
  cleanupStaleLock(): Promise<boolean>;
  /** Signals the holder recorded in the PID file, never a process that merely reuses its PID. */
  terminateProcess(pid: number, options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<TerminateOutcome>;
}
