import type { INestApplication } from '@nestjs/common';
import type { SettingOverride } from '../config/settings.js';

/** The HTTP platforms procguard runs on; the host installs the matching `@nestjs/platform-*`. */
export const HTTP_PLATFORMS = ['express', 'fastify'] as const;
export type HttpPlatformName = (typeof HTTP_PLATFORMS)[number];

/** Options of {@link bootstrap}. Each setting left out comes from its environment variable, then the default. */
export interface BootstrapOptions {
  /**
   * Loads the host's root module, called only once the instance lock is held, so a
   * refused duplicate never loads Nest or the host's code: `() => import('./app.module.js')`.
   * It may return the module namespace (its `AppModule` export, or `exportName`), a
   * module class, or a dynamic module.
   */
  readonly module: () => unknown;
  /** The export to take from the namespace `module` returns. @default 'AppModule' */
  readonly exportName?: string;
  /** HTTP platform (`HTTP_PLATFORM`). @default 'express', Nest's own default */
  readonly platform?: HttpPlatformName;
  /** Prefix of every route, procguard's included (`/api/health`). `''` for none. @default 'api' */
  readonly globalPrefix?: string;
  /** Data directory the instance lock guards (`DATA_DIR`). @default './data' */
  readonly dataDir?: string;
  /** PID file (`PID_FILE_PATH`). @default '<dataDir>/backend.pid' */
  readonly pidFile?: string;
  /** Port (`PORT`). @default 3000 */
  readonly port?: number;
  /** Address to bind (`HOST`). @default '127.0.0.1' */
  readonly host?: string;
  /** `Host` header values accepted besides this server's own (`ALLOWED_HOSTS`); `['*']` turns the check off. */
  readonly allowedHosts?: readonly string[];
  /** Whole graceful shutdown deadline in ms (`SHUTDOWN_TIMEOUT_MS`). @default 5000 */
  readonly shutdownTimeoutMs?: number;
  /** Where the one-active-instance lock lives (`LOCK_BACKEND`): the data directory alone, or also PostgreSQL. @default 'file' */
  readonly lockBackend?: 'file' | 'postgres';
  /** PostgreSQL URL of the lock (`LOCK_DATABASE_URL`), needed for `lockBackend: 'postgres'`. A secret: never echoed, never passed to agents. */
  readonly lockDatabaseUrl?: string;
  /** The name every host of one deployment shares (`LOCK_KEY`). @default 'procguard' */
  readonly lockKey?: string;
  /** Wait as a standby while another host is active, instead of exiting 3 (`LOCK_STANDBY`). @default false */
  readonly lockStandby?: boolean;
  /** Heartbeat period of the lock's connection, and each heartbeat's timeout, in ms (`LOCK_HEARTBEAT_MS`). @default 500 */
  readonly lockHeartbeatMs?: number;
  /** Log line format (`LOG_FORMAT`). @default 'pretty' when stdout is a terminal, else 'json' */
  readonly logFormat?: 'pretty' | 'json';
  /** Lowest level logged (`LOG_LEVEL`): error, warn, log (= info), debug, verbose. @default 'log' */
  readonly logLevel?: 'error' | 'warn' | 'log' | 'info' | 'debug' | 'verbose';
  /** Where settings are read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Runs on the created app before it listens (pipes, CORS, Swagger, …). */
  readonly configure?: (app: INestApplication) => void | Promise<void>;
}

/** The bootstrap's settings as overrides of their variables, named as the host wrote them. */
export function bootstrapOverrides(options: BootstrapOptions): SettingOverride[] {
  const option = (name: keyof BootstrapOptions, variable: string): SettingOverride => ({
    variable,
    label: `bootstrap option ${name}`,
    value: options[name],
  });
  return [
    option('dataDir', 'DATA_DIR'),
    option('pidFile', 'PID_FILE_PATH'),
    option('port', 'PORT'),
    option('host', 'HOST'),
    option('allowedHosts', 'ALLOWED_HOSTS'),
    option('shutdownTimeoutMs', 'SHUTDOWN_TIMEOUT_MS'),
    option('lockBackend', 'LOCK_BACKEND'),
    option('lockDatabaseUrl', 'LOCK_DATABASE_URL'),
    option('lockKey', 'LOCK_KEY'),
    option('lockStandby', 'LOCK_STANDBY'),
    option('lockHeartbeatMs', 'LOCK_HEARTBEAT_MS'),
    option('logFormat', 'LOG_FORMAT'),
    option('logLevel', 'LOG_LEVEL'),
  ];
}

const KNOWN: readonly string[] = [
  'module', 'exportName', 'platform', 'globalPrefix', 'dataDir', 'pidFile', 'port', 'host',
  'allowedHosts', 'shutdownTimeoutMs', 'lockBackend', 'lockDatabaseUrl', 'lockKey', 'lockStandby',
  'lockHeartbeatMs', 'logFormat', 'logLevel', 'env', 'configure',
];

/** Problems with the options that are not settings (each names the option). */
export function bootstrapOptionProblems(options: BootstrapOptions, env: NodeJS.ProcessEnv): string[] {
  const problems = Object.keys(options)
    .filter((key) => !KNOWN.includes(key))
    .map((key) => `bootstrap option ${key} is not an option (known: ${KNOWN.join(', ')})`);
  if (typeof options.module !== 'function') problems.push("bootstrap option module must be a function that loads the root module, e.g. () => import('./app.module.js')");
  const platform = options.platform ?? env.HTTP_PLATFORM ?? 'express';
  if (platform !== 'express' && platform !== 'fastify') {
    problems.push(`${options.platform === undefined ? 'HTTP_PLATFORM' : 'bootstrap option platform'}="${String(platform)}" must be express or fastify`);
  }
  if (options.globalPrefix !== undefined && (typeof options.globalPrefix !== 'string' || /[\s?#]/.test(options.globalPrefix))) {
    problems.push('bootstrap option globalPrefix must be a path segment such as "api", or "" for none');
  }
  if (options.configure !== undefined && typeof options.configure !== 'function') problems.push('bootstrap option configure must be a function');
  return problems;
}

export function platformOf(options: BootstrapOptions, env: NodeJS.ProcessEnv): HttpPlatformName {
  return (options.platform ?? env.HTTP_PLATFORM ?? 'express') as HttpPlatformName;
}
