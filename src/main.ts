import { EnvValidationError, validateEnv, type AppEnv } from './config/env.validation.js';
import { EXIT } from './exit-codes.js';
import { acquireInstanceLock, type HeldInstanceLock } from './bootstrap/instance-guard.js';
import { ShutdownOnSignal } from './bootstrap/shutdown-on-signal.js';
import { DataDirectoryError, InstanceAlreadyRunningError, LockCompromisedError } from './lifecycle/domain/lifecycle.errors.js';
import { formatRefusal } from './lifecycle/presentation/refusal-message.js';

// Bootstrap order matters: the lock is taken with only node:fs and proper-lockfile
// loaded; Nest, the database and the port come after (imported dynamically below).

const log = (level: 'log' | 'warn' | 'error', message: string) =>
  console[level](`[procguard] ${process.pid} ${new Date().toISOString()} ${level.toUpperCase()} ${message}`);

async function main(): Promise<void> {
  let env: AppEnv;
  try {
    env = validateEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    console.error(error.message);
    process.exit(EXIT.badConfig);
  }

  let exitCode: number = EXIT.ok;
  let held: HeldInstanceLock | null = null;
  const shutdown = new ShutdownOnSignal({
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    forceRelease: () => held?.lockManager.releaseLockSync(),
    exit: (code) => process.exit(code),
    log: (message) => log('error', message),
  });
  shutdown.listen(['SIGTERM', 'SIGINT', 'SIGHUP']);
  const onCompromised = (error: Error) => {
    log('error', `${error.message}. This instance can no longer be sure it is alone; shutting down.`);
    exitCode = EXIT.lockCompromised;
    shutdown.trigger('lock compromised');
  };

  try {
    held = await acquireInstanceLock(env, 'server', onCompromised, (level, message) => log(level, message));
  } catch (error) {
    if (error instanceof InstanceAlreadyRunningError) {
      console.error(formatRefusal(error, { dataDir: env.DATA_DIR, pidFilePath: env.PID_FILE_PATH, now: new Date() }));
      process.exit(EXIT.alreadyRunning);
    }
    if (error instanceof DataDirectoryError) {
      console.error(`procguard: ${error.message}`);
      process.exit(EXIT.dataDirUnusable);
    }
    throw error;
  }

  const { createServer, PortInUseError } = await import('./bootstrap/server.js');
  try {
    const server = await createServer(env, held);
    shutdown.attach(async (reason) => {
      const report = await server.lifecycle.shutdown(reason, env.SHUTDOWN_TIMEOUT_MS);
      return report.ok ? exitCode : EXIT.failure;
    });
    log('log', `Listening on http://${env.HOST}:${env.PORT} (health: /api/health), data in ${env.DATA_DIR}`);
  } catch (error) {
    held.lockManager.releaseLockSync();
    if (error instanceof PortInUseError) {
      log('error', error.message);
      process.exit(EXIT.portInUse);
    }
    log('error', `Start-up failed: ${(error as Error).message}`);
    process.exit(error instanceof LockCompromisedError ? EXIT.lockCompromised : EXIT.failure);
  }
}

process.on('uncaughtException', (error) => {
  log('error', `Uncaught exception: ${error.stack ?? error.message}`);
  process.exitCode = EXIT.failure;
  process.kill(process.pid, 'SIGTERM');
});

void main().catch((error: unknown) => {
  log('error', `Fatal: ${(error as Error).stack ?? String(error)}`);
  process.exit(EXIT.failure);
});
