import type { ClusterLockHolder } from '../../domain/cluster-lock-holder.js';
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
  /** The shared lock's state, for the health `lock` indicator; absent for the file lock alone. */
  status?(): LockStatus;
  /** Resolves once this instance may act (at once unless it waits as a standby). */
  whenActive?(): Promise<void>;
}

/** What health shows of a lock shared by several hosts. Nothing secret (no URL). */
export interface LockStatus {
  readonly backend: 'postgres';
  readonly key: string;
  /** `lost`: it was active and its session ended; it is shutting down. */
  readonly role: 'active' | 'standby' | 'lost';
  /** This instance's token while active; null otherwise. */
  readonly fencingToken: string | null;
  /** Who is active, as published (this instance while active). */
  readonly holder: ClusterLockHolder | null;
  /** When the lock's connection last answered a heartbeat or poll (ISO 8601). */
  readonly lastHeartbeatAt: string | null;
}
