import { EnvValidationError } from '../config/env.validation.js';
import { resolveSettings, type ProcguardSettings } from '../config/settings.js';
import { EXIT } from '../exit-codes.js';
import { ClusterLockLostError } from '../lifecycle/domain/lifecycle.errors.js';
import { lastDeclaration } from '../module/module-declaration.js';
import { setProcguardContext, type ProcguardContext } from '../module/procguard-context.js';
import { moduleOverrides, ProcguardOptionsError } from '../module/procguard-module.options.js';
import { InvalidProcessConfigError } from '../supervisor/domain/supervisor.errors.js';
import { bootstrapOptionProblems, bootstrapOverrides, platformOf, type BootstrapOptions } from './bootstrap-options.js';
import type { HeldInstanceLock } from './instance-guard.js';
import { loadRootModule, RootModuleNotFoundError } from './load-root-module.js';
import { ShutdownOnSignal } from './shutdown-on-signal.js';
import { acquireOrExit } from './start-guard.js';
import { StartupConfigError } from './startup-config.errors.js';
import { terminalHungUp } from './terminal-hangup.js';
import { logFormatOf, processLog } from './logging/process-log.js';
import { dropOutputToALostTerminal } from './terminal-output.js';

/** Bootstrap's own lines, through the same logger as Nest's (context `Bootstrap`). */
const log = (level: 'log' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) =>
  processLog.write(level, message, 'Bootstrap', fields);

function exitBadConfig(error: EnvValidationError): never {
  processLog.tell(error.message, 'Bootstrap', { code: error.code, problems: error.problems });
  process.exit(EXIT.badConfig);
}

/** A mistake of the user's in settings, options or config: a message, exit 2, no stack trace. */
const isConfigMistake = (error: unknown): error is Error =>
  error instanceof EnvValidationError ||
  error instanceof ProcguardOptionsError ||
  error instanceof InvalidProcessConfigError ||
  error instanceof StartupConfigError ||
  error instanceof RootModuleNotFoundError;

/**
 * Runs a Nest app as the one instance of its data directory, for the whole life of the
 * process, and exits it with the documented codes (docs/operations.md):
 *
 * 1. validates the options and environment (exit 2 naming each problem);
 * 2. takes the instance lock with nothing of Nest loaded, or prints who holds it and
 *    exits 3 (6 for an unusable data directory, 7 for an unusable lock database); with
 *    LOCK_STANDBY a host that finds another active waits, started but without agents;
 * 3. only then calls `options.module()` to load the host's root module, checks the
 *    module's settings and process config (exit 2), creates the app on the chosen
 *    platform and listens (exit 4 if the port is taken), and starts the agents;
 * 4. owns SIGTERM/SIGINT (graceful stop; a deliberate second one forces) and SIGHUP
 *    (reload), and shuts down in order: readiness 503, SSE closed, keep-alive drain,
 *    agents stopped, the host's steps, Nest closed, database closed, lock released.
 *
 * Exit 0 after a clean stop, 1 when a step failed or the stop was forced, 5 when the
 * lock was compromised while running.
 * @returns once the server listens; the process exits when it stops.
 */
export async function bootstrap(options: BootstrapOptions): Promise<void> {
  // One reading of the environment for the lock and the module alike: a host that loads a
  // .env file from its AppModule would otherwise lock one data directory and use another.
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  processLog.configure({ format: options.logFormat ?? logFormatOf(env), level: 'log' });
  const overrides = bootstrapOverrides(options);
  const optionProblems = bootstrapOptionProblems(options, env);
  let settings: ProcguardSettings;
  try {
    settings = resolveSettings(env, overrides);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    const fromCode = optionProblems.length > 0 || error.message.startsWith('Invalid settings');
    exitBadConfig(new EnvValidationError([...optionProblems, ...error.problems], fromCode ? 'settings' : 'environment'));
  }
  if (optionProblems.length > 0) exitBadConfig(new EnvValidationError(optionProblems, 'settings'));
  processLog.configure({ format: settings.LOG_FORMAT, level: settings.LOG_LEVEL });
  const platform = platformOf(options, env);

  let exitCode: number = EXIT.ok;
  let held: HeldInstanceLock | null = null;
  let emergencyStop: (() => void) | null = null;
  const shutdown = new ShutdownOnSignal({
    timeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
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
    log('error', `Uncaught exception: ${error.message}`, { stack: error.stack });
    exitCode = EXIT.failure;
    shutdown.trigger('uncaught exception');
  });

  held = await acquireOrExit(settings, 'server', (level, message) => log(level, message), (error) => {
    log('error', `${error.message}. This instance can no longer be sure it is alone; shutting down.`);
    // Another host may already be active: its agents must not overlap ours for a drain's length.
    if (error instanceof ClusterLockLostError) emergencyStop?.();
    exitCode = EXIT.lockCompromised;
    shutdown.trigger('lock compromised');
  });
  const lock = held;
  processLog.setInstanceId(lock.lock.instanceId);
  const failStart = (error: unknown): never => {
    lock.lockManager.releaseLockSync();
    if (isConfigMistake(error)) {
      processLog.tell(`procguard: ${error.message}`, 'Bootstrap', { code: (error as { code?: string }).code });
      process.exit(EXIT.badConfig);
    }
    // The chosen platform's package is not installed (an optional peer): a setup mistake too.
    if ((error as { code?: string }).code === 'HTTP_PLATFORM_MISSING') {
      log('error', (error as Error).message);
      process.exit(EXIT.badConfig);
    }
    if ((error as { code?: string }).code === 'PORT_IN_USE') {
      log('error', (error as Error).message);
      process.exit(EXIT.portInUse);
    }
    log('error', `Start-up failed: ${(error as Error).message ?? String(error)}`, { stack: (error as Error).stack });
    process.exit(EXIT.failure);
  };
  log('log', `Holding the instance lock of ${settings.DATA_DIR}; starting the server`);

  // The host's code is loaded only now, with the lock held: a refused duplicate never ran it.
  const rootModule = await loadRootModule(options.module, options.exportName).catch(failStart);
  const declaration = lastDeclaration();
  let specs: ProcguardContext['specs'] = null;
  if (declaration?.options) {
    // forRoot: the module's settings are known, so every mistake is reported before Nest loads.
    let full: ProcguardSettings;
    try {
      full = resolveSettings(env, [...overrides, ...moduleOverrides(declaration.options)]);
    } catch (error) {
      return failStart(error);
    }
    // Loaded only now: the config parsers, yaml and better-sqlite3 are not needed to refuse a duplicate.
    const { startupConfigOrExit } = await import('./startup-config.js');
    const checked = await startupConfigOrExit(full, () => lock.lockManager.releaseLockSync(), (message) => log('warn', message), declaration.features);
    specs = { path: full.PROCESSES_CONFIG, specs: checked.specs };
  }
  setProcguardContext({ lockManager: held.lockManager, lock: held.lock, env, overrides, specs });

  const { createServer } = await import('./server.js');
  try {
    const server = await createServer({
      rootModule,
      declared: declaration !== null,
      platform,
      globalPrefix: options.globalPrefix ?? 'api',
      configure: options.configure,
      settings,
    });
    emergencyStop = () => server.lifecycle.emergencyStop();
    shutdown.attach(async (reason) => {
      const report = await server.lifecycle.shutdown(reason, settings.SHUTDOWN_TIMEOUT_MS);
      return report.ok ? exitCode : EXIT.failure;
    });
    log('log', `Listening on http://${settings.HOST}:${settings.PORT} (health: ${server.healthPath ?? 'off'}, on ${platform}), data in ${settings.DATA_DIR}`);
    // Agents start only now that the port is ours and a signal during boot has
    // begun shutdown (attach ran it): then startup() starts nothing.
    // A standby (LOCK_STANDBY) serves health but starts its agents only once it holds the shared lock.
    lock.whenActive.then(() => {
      // A standby's SIGHUP is ignored: a reload would apply (start) the process config.
      reload = () => server.lifecycle.reload();
      return server.lifecycle.startup();
    }).catch((error: Error) => {
      log('error', `Start-up failed: ${error.message}`);
      exitCode = EXIT.failure;
      shutdown.trigger('start-up failed');
    });
  } catch (error) {
    failStart(error);
  }
}
