import { EnvValidationError, validateEnv, type AppEnv } from '../config/env.validation.js';
import { EXIT } from '../exit-codes.js';
import { ClusterLockHeldError, DataDirectoryError, InstanceAlreadyRunningError, LockDatabaseError } from '../lifecycle/domain/lifecycle.errors.js';
import { formatClusterRefusal } from '../lifecycle/presentation/cluster-refusal-message.js';
import type { LockRole } from '../lifecycle/domain/process-lock.value-object.js';
import { formatRefusal } from '../lifecycle/presentation/refusal-message.js';
import { acquireInstanceLock, type HeldInstanceLock } from './instance-guard.js';

// Shared by the server (main.ts) and the dev session (cli/dev-session.ts): both
// must refuse the same way, with the same exit codes, before anything else runs.

/** Validated env, or the list of problems on stderr and exit code 2. */
export function parseEnvOrExit(): AppEnv {
  try {
    return validateEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    console.error(error.message);
    process.exit(EXIT.badConfig);
  }
}

/** The instance lock, or the refusal on stderr and exit code 3 (6 for an unusable data directory, 7 for an unusable lock database). */
export async function acquireOrExit(
  env: AppEnv,
  role: LockRole,
  log: (level: 'log' | 'warn' | 'error', message: string) => void,
  onCompromised: (error: Error) => void,
): Promise<HeldInstanceLock> {
  try {
    return await acquireInstanceLock(env, role, onCompromised, log);
  } catch (error) {
    if (error instanceof InstanceAlreadyRunningError) {
      console.error(formatRefusal(error, { dataDir: env.DATA_DIR, pidFilePath: env.PID_FILE_PATH, now: new Date() }));
      process.exit(EXIT.alreadyRunning);
    }
    if (error instanceof ClusterLockHeldError) {
      console.error(formatClusterRefusal(error, new Date()));
      process.exit(EXIT.alreadyRunning);
    }
    if (error instanceof LockDatabaseError) {
      console.error(`procguard: ${error.message}`);
      process.exit(EXIT.lockDatabaseUnusable);
    }
    if (error instanceof DataDirectoryError) {
      console.error(`procguard: ${error.message}`);
      process.exit(EXIT.dataDirUnusable);
    }
    throw error;
  }
}
