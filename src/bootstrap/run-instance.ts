import type { DynamicModule, Type } from '@nestjs/common';
import { EXIT } from '../exit-codes.js';
import type { HeldInstanceLock } from './instance-guard.js';
import { acquireOrExit, parseEnvOrExit } from './start-guard.js';
import { ShutdownOnSignal } from './shutdown-on-signal.js';
import { startupConfigOrExit } from './startup-config.js';
import { processSpecsModule } from '../supervisor/process-specs.module.js';
import { terminalHungUp } from './terminal-hangup.js';
import { dropOutputToALostTerminal } from './terminal-output.js';

export interface RunInstanceOptions {
  /** Extra Nest modules mounted beside the app's own (embedding, test fixtures). */
  readonly imports?: ReadonlyArray<Type | DynamicModule>;
}

const log = (level: 'log' | 'warn' | 'error', message: string) =>
  console[level](`[procguard] ${process.pid} ${new Date().toISOString()} ${level.toUpperCase()} ${message}`);

/**
 * The whole life of one server process: validate env, take the lock with only
 * node:fs and proper-lockfile loaded, then load Nest, open the database and
 * listen; one owner for SIGTERM/SIGINT, and SIGHUP reloads. Exits the process when done.
 */
export async function runInstance(options: RunInstanceOptions = {}): Promise<void> {
  const env = parseEnvOrExit();
  let exitCode: number = EXIT.ok;
  let held: HeldInstanceLock | null = null;
  let emergencyStop: (() => void) | null = null;
  const shutdown = new ShutdownOnSignal({
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    forceRelease: () => {
      // Children first: a forced exit must not leave agents running without their backend.
      emergencyStop?.();
      held?.lockManager.releaseLockSync();
    },
    exit: (code) => process.exit(code),
    log: (message) => log('warn', message),
  });
  shutdown.listen(['SIGTERM', 'SIGINT']);
  dropOutputToALostTerminal();
  let reload: (() => Promise<void>) | null = null;
  process.on('SIGHUP', () => {
    if (terminalHungUp()) {
      log('warn', 'SIGHUP: the terminal is gone; shutting down');
      shutdown.trigger('SIGHUP (terminal closed)');
    } else if (reload && !shutdown.isShuttingDown) {
      log('log', 'SIGHUP: reloading');
      void reload();
    } else {
      log('warn', 'SIGHUP ignored: not running yet, or shutting down');
    }
  });
  process.on('uncaughtException', (error) => {
    log('error', `Uncaught exception: ${error.stack ?? error.message}`);
    exitCode = EXIT.failure;
    shutdown.trigger('uncaught exception');
  });

  held = await acquireOrExit(env, 'server', (level, message) => log(level, message), (error) => {
    log('error', `${error.message}. This instance can no longer be sure it is alone; shutting down.`);
    exitCode = EXIT.lockCompromised;
    shutdown.trigger('lock compromised');
  });
  log('log', `Holding the instance lock of ${env.DATA_DIR}; starting the server`);

  // With the lock held (the data directory exists) and before Nest loads: a user's mistake exits 2 here.
  const { specs } = await startupConfigOrExit(env, () => held?.lockManager.releaseLockSync(), (message) => log('warn', message));

  const { createServer, PortInUseError } = await import('./server.js');
  try {
    const server = await createServer(env, held, [processSpecsModule(specs), ...(options.imports ?? [])]);
    reload = () => server.lifecycle.reload();
    emergencyStop = () => server.lifecycle.emergencyStop();
    shutdown.attach(async (reason) => {
      const report = await server.lifecycle.shutdown(reason, env.SHUTDOWN_TIMEOUT_MS);
      return report.ok ? exitCode : EXIT.failure;
    });
    log('log', `Listening on http://${env.HOST}:${env.PORT} (health: /api/health), data in ${env.DATA_DIR}`);
    // Agents start only now that the port is ours and a signal during boot has
    // begun shutdown (attach ran it): then startup() starts nothing.
    server.lifecycle.startup().catch((error: Error) => {
      log('error', `Start-up failed: ${error.message}`);
      exitCode = EXIT.failure;
      shutdown.trigger('start-up failed');
    });
  } catch (error) {
    held.lockManager.releaseLockSync();
    if (error instanceof PortInUseError) {
      log('error', error.message);
      process.exit(EXIT.portInUse);
    }
    log('error', `Start-up failed: ${(error as Error).message}`);
    process.exit(EXIT.failure);
  }
}
