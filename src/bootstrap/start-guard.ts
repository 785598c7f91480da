import { EnvValidationError, validateEnv, type AppEnv } from '../config/env.validation.js';
import { EXIT } from '../exit-codes.js';
import { ClusterLockHeldError, DataDirectoryError, InstanceAlreadyRunningError, LockDatabaseError } from '../lifecycle/domain/lifecycle.errors.js';
import { formatClusterRefusal } from '../lifecycle/presentation/cluster-refusal-message.js';
import type { LockRole } from '../lifecycle/domain/process-lock.value-object.js';
import { formatRefusal } from '../lifecycle/presentation/refusal-message.js';
import { acquireInstanceLock, type HeldInstanceLock } from './instance-guard.js';
import { logFormatOf, processLog } from './logging/process-log.js';

// Shared by the server (main.ts) and the dev session (cli/dev-session.ts): both
// must refuse the same way, with the same exit codes, before anything else runs.

/** Validated env, or the list of problems on stderr and exit code 2. */
export function parseEnvOrExit(): AppEnv {
  try {
    return validateEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    processLog.configure({ format: logFormatOf(process.env), level: 'log' });
    processLog.tell(error.message, 'Bootstrap', { code: error.code, problems: error.problems });
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
    // For a person on a terminal the refusal is the multi-line text it always was; in JSON
    // it is one line whose fields say who holds the lock.
    if (error instanceof InstanceAlreadyRunningError) {
      const text = formatRefusal(error, { dataDir: env.DATA_DIR, pidFilePath: env.PID_FILE_PATH, now: new Date() });
      processLog.tell(text, 'Bootstrap', { code: error.code, exitCode: EXIT.alreadyRunning, dataDir: env.DATA_DIR, holder: error.holder ? { pid: error.holder.pid, instanceId: error.holder.instanceId, role: error.holder.role } : null });
      process.exit(EXIT.alreadyRunning);
    }
    if (error instanceof ClusterLockHeldError) {
      processLog.tell(formatClusterRefusal(error, new Date()), 'Bootstrap', { code: error.code, exitCode: EXIT.alreadyRunning });
      process.exit(EXIT.alreadyRunning);
    }
    if (error instanceof LockDatabaseError) {
      processLog.tell(`procguard: ${error.message}`, 'Bootstrap', { code: error.code, exitCode: EXIT.lockDatabaseUnusable });
      process.exit(EXIT.lockDatabaseUnusable);
    }
    if (error instanceof DataDirectoryError) {
      processLog.tell(`procguard: ${error.message}`, 'Bootstrap', { code: error.code, exitCode: EXIT.dataDirUnusable });
      process.exit(EXIT.dataDirUnusable);
    }
    throw error;
  }
}
