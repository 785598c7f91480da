import type { ProcessLock } from './process-lock.value-object.js';
import type { ClusterLockHolder } from './cluster-lock-holder.js';

/** Base of every lifecycle error: a stable `code` callers can switch on. */
export abstract class LifecycleError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another live instance holds the lock for this data directory. */
export class InstanceAlreadyRunningError extends LifecycleError {
  readonly code = 'INSTANCE_ALREADY_RUNNING';
  constructor(
    readonly holder: ProcessLock | null,
    readonly reason: string,
  ) {
    super(
      holder
        ? `Another instance (PID ${holder.pid}) is already running for this data directory`
        : `Another instance is already running for this data directory (${reason})`,
    );
  }
}

/** A PID file that cannot be read as any known format. */
export class InvalidLockFileError extends LifecycleError {
  readonly code = 'INVALID_LOCK_FILE';
}

/** The lock was removed or taken over while this instance held it. */
export class LockCompromisedError extends LifecycleError {
  readonly code = 'LOCK_COMPROMISED';
}

/** A state change the lifecycle does not allow, e.g. stopped -> running. */
export class InvalidStateTransitionError extends LifecycleError {
  readonly code = 'INVALID_STATE_TRANSITION';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Cannot move from "${from}" to "${to}"`);
  }
}

/** The data directory or one of the files in it cannot be used. */
export class DataDirectoryError extends LifecycleError {
  readonly code = 'DATA_DIRECTORY_UNUSABLE';
}

/** Another host of the deployment holds the shared lock (LOCK_KEY). */
export class ClusterLockHeldError extends LifecycleError {
  readonly code = 'CLUSTER_LOCK_HELD';
  constructor(
    readonly lockKey: string,
    readonly holder: ClusterLockHolder | null,
  ) {
    super(
      holder
        ? `Another instance (${holder.hostname} PID ${holder.pid}) holds the lock "${lockKey}"`
        : `Another instance holds the lock "${lockKey}" (its record is not published yet)`,
    );
  }
}

/** The shared lock's session ended or stopped answering while this instance was active. */
export class ClusterLockLostError extends LockCompromisedError {}

/** The lock's database cannot be reached or used at start. */
export class LockDatabaseError extends LifecycleError {
  readonly code = 'LOCK_DATABASE_UNUSABLE';
}
