import type { AppEnv } from '../config/env.validation.js';
import type { LockRole, ProcessLock } from '../lifecycle/domain/process-lock.value-object.js';
import { NodeFileSystem } from '../lifecycle/infrastructure/node-file-system.adapter.js';
import { PidLockManager } from '../lifecycle/infrastructure/pid-lock-manager.adapter.js';
import { ProcessUtils } from '../lifecycle/infrastructure/process-utils.js';

/** Handed from a dev session to the app it runs: the session's instance id. */
export const DEV_SESSION_ENV = 'PROCGUARD_DEV_SESSION';

export interface HeldInstanceLock {
  readonly lockManager: PidLockManager;
  readonly lock: ProcessLock;
}

/**
 * Takes the instance lock with nothing but node:fs and proper-lockfile loaded,
 * so a refused duplicate costs little more than starting Node.
 * @throws InstanceAlreadyRunningError, DataDirectoryError
 */
export async function acquireInstanceLock(
  env: AppEnv,
  role: LockRole,
  onCompromised: (error: Error) => void,
  log: (level: 'warn' | 'error', message: string) => void,
  inheritFrom: string | undefined = process.env[DEV_SESSION_ENV] || undefined,
): Promise<HeldInstanceLock> {
  const lockManager = new PidLockManager({
    pidFilePath: env.PID_FILE_PATH,
    fs: new NodeFileSystem(),
    processes: new ProcessUtils(),
    log,
  });
  const lock = await lockManager.acquireLock({
    port: env.PORT,
    host: env.HOST,
    role,
    inheritFrom: role === 'server' ? inheritFrom : undefined,
    onCompromised,
  });
  return { lockManager, lock };
}
