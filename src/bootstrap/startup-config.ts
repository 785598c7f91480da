import type { AppEnv } from '../config/env.validation.js';
import { EXIT } from '../exit-codes.js';
import { StartupConfigError } from './startup-config.errors.js';
import { processLog } from './logging/process-log.js';
import { databasePathProblem } from '../persistence/infrastructure/database-path.check.js';
import type { ProcessSpec } from '../supervisor/domain/process-spec.js';
import { undeclaredNames } from '../supervisor/domain/required-names.js';
import { killTimeoutWarnings } from '../supervisor/domain/shutdown-budget.js';
import { InvalidProcessConfigError } from '../supervisor/domain/supervisor.errors.js';
import { processConfigSource } from '../supervisor/infrastructure/process-config.loader.js';

/** Everything the server needs from the user's configuration beyond the environment, validated. */
export interface StartupConfig {
  readonly specs: readonly ProcessSpec[];
  /** Settings that work but will bite (a kill timeout the shutdown deadline cannot hold). */
  readonly warnings: readonly string[];
}

/** Which features the checks apply to (the module's; all for the server). */
export interface StartupFeatures {
  readonly supervisor: boolean | 'service';
  readonly database: boolean;
}

const ALL: StartupFeatures = { supervisor: true, database: true };


/**
 * Reads and checks the process config, READY_REQUIRES against it and DATABASE_PATH, with no
 * Nest loaded and nothing opened: the mistakes a user makes show up as one clear message.
 * Call with the instance lock held (the data directory then exists).
 *
 * @throws InvalidProcessConfigError, StartupConfigError
 */
export async function readStartupConfig(env: AppEnv, features: StartupFeatures = ALL): Promise<StartupConfig> {
  const pm2Warnings: string[] = [];
  const options = { envName: env.PROCESSES_ENV, warn: (m: string) => pm2Warnings.push(m) };
  // Without the supervisor the process config is not read at all: the host did not ask for agents.
  const specs = features.supervisor
    ? await processConfigSource(env.PROCESSES_CONFIG, env.PROCESSES_CONFIG_EXPLICIT, undefined, options).load()
    : [];
  const problems = features.supervisor ? undeclaredNames('READY_REQUIRES', env.READY_REQUIRES, specs) : [];
  const database = features.database ? databasePathProblem(env.DATABASE_PATH) : null;
  if (database) problems.push(`DATABASE_PATH ${env.DATABASE_PATH} ${database}`);
  if (problems.length > 0) throw new StartupConfigError(problems);
  return { specs, warnings: [...pm2Warnings, ...killTimeoutWarnings(specs, env.SHUTDOWN_TIMEOUT_MS)] };
}

/**
 * {@link readStartupConfig}, or the problems on stderr (no stack trace) and exit code 2
 * after `release` (the lock) has run.
 */
export async function startupConfigOrExit(
  env: AppEnv,
  release: () => void,
  warn: (message: string) => void,
  features: StartupFeatures = ALL,
): Promise<StartupConfig> {
  try {
    const config = await readStartupConfig(env, features);
    for (const warning of config.warnings) warn(warning);
    return config;
  } catch (error) {
    if (!(error instanceof InvalidProcessConfigError) && !(error instanceof StartupConfigError)) throw error;
    release();
    processLog.tell(`procguard: ${error.message}`, 'Bootstrap', { code: error.code });
    process.exit(EXIT.badConfig);
  }
}
