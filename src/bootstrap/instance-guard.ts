import { hostname } from 'node:os';
import type { AppEnv } from '../config/env.validation.js';
import type { IInstanceLockManager } from '../lifecycle/application/ports/instance-lock-manager.port.js';
import type { LockRole, ProcessLock } from '../lifecycle/domain/process-lock.value-object.js';
import { NodeFileSystem } from '../lifecycle/infrastructure/node-file-system.adapter.js';
import { PgAdvisoryLockManager } from '../lifecycle/infrastructure/pg-advisory-lock-manager.adapter.js';
import { PidLockManager } from '../lifecycle/infrastructure/pid-lock-manager.adapter.js';
import { ProcessUtils } from '../lifecycle/infrastructure/process-utils.js';

/** Handed from a dev session to the app it runs: the session's instance id. */
export const DEV_SESSION_ENV = 'PROCGUARD_DEV_SESSION';

/** Handed to every agent: the shared lock's fencing token of this activation (postgres backend). */
export const FENCING_TOKEN_ENV = 'PROCGUARD_FENCING_TOKEN';

export interface HeldInstanceLock {
  readonly lockManager: IInstanceLockManager;
  readonly lock: ProcessLock;
  /** Resolves once this instance may start its agents: at once, or when a standby takes over. */
  readonly whenActive: Promise<void>;
}

/**
 * Takes the instance lock with nothing but node:fs and proper-lockfile loaded (and,
 * for LOCK_BACKEND=postgres, pg), so a refused duplicate costs little more than starting Node.
 * @throws InstanceAlreadyRunningError, DataDirectoryError, ClusterLockHeldError, LockDatabaseError
 */
export async function acquireInstanceLock(
  env: AppEnv,
  role: LockRole,
  onCompromised: (error: Error) => void,
  log: (level: 'log' | 'warn' | 'error', message: string) => void,
  inheritFrom: string | undefined = process.env[DEV_SESSION_ENV] || undefined,
): Promise<HeldInstanceLock> {
  const fileLock = new PidLockManager({
    pidFilePath: env.PID_FILE_PATH,
    fs: new NodeFileSystem(),
    processes: new ProcessUtils(),
    log: (level, message) => log(level, message),
  });
  const lockManager: IInstanceLockManager = env.LOCK_BACKEND === 'postgres' ? sharedLock(env, fileLock, log) : fileLock;
  const lock = await lockManager.acquireLock({
    port: env.PORT,
    host: env.HOST,
    role,
    inheritFrom: role === 'server' ? inheritFrom : undefined,
    onCompromised,
  });
  return { lockManager, lock, whenActive: lockManager.whenActive?.() ?? Promise.resolve() };
}

function sharedLock(env: AppEnv, local: IInstanceLockManager, log: (level: 'log' | 'warn' | 'error', message: string) => void) {
  return new PgAdvisoryLockManager({
    url: env.LOCK_DATABASE_URL!,
    key: env.LOCK_KEY,
    heartbeatMs: env.LOCK_HEARTBEAT_MS,
    standby: env.LOCK_STANDBY,
    local,
    identity: { hostname: hostname(), healthUrl: healthUrlOf(env) },
    log,
    // The launcher passes the backend's environment to every agent it starts after this.
    onActive: (token) => (process.env[FENCING_TOKEN_ENV] = token),
  });
}

/** Where other hosts reach this one's health: a wildcard or loopback bind is named by the host name. */
function healthUrlOf(env: AppEnv): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(env.HOST);
  const host = local ? hostname() : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}/api/health`;
}
