import type { AutorestartPolicy, BackoffSpec, ReadinessSpec } from './process-spec.js';

// Limits and defaults of the process config file; the parser's problems quote these numbers.

export const DAY_MS = 86_400_000;
export const MAX_INSTANCES_PER_PROCESS = 100;
export const MAX_TOTAL_INSTANCES = 1000;
export const MAX_PORT = 65_535;
export const MAX_KILL_TIMEOUT_MS = 600_000;

export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'] as const;
export const AUTORESTART_POLICIES: readonly AutorestartPolicy[] = ['always', 'on-failure', 'never'];

/** Fields of one process, under their own names. */
export const PROCESS_FIELDS = [
  'name',
  'command',
  'args',
  'shell',
  'cwd',
  'env',
  'instances',
  'port',
  'autorestart',
  'backoff',
  'maxRestarts',
  'restartWindowMs',
  'stopSignal',
  'killTimeoutMs',
  'readiness',
  'dependsOn',
] as const;

/** PM2 names of our fields: either name may be given, not both. */
export const PM2_ALIASES = { max_restarts: 'maxRestarts', kill_timeout: 'killTimeoutMs' } as const;

/** PM2 fields that are honoured by translating them into ours (see the README's PM2 table). */
export const PM2_TRANSLATED_FIELDS = [
  'script',
  'interpreter',
  'exec_interpreter',
  'node_args',
  'interpreter_args',
  'interpreterArgs',
  'restart_delay',
  'exp_backoff_restart_delay',
  'min_uptime',
  'autostart',
  'stop_exit_codes',
  'exec_mode',
  'instance_var',
  'increment_var',
  'wait_ready',
  'max_memory_restart',
  'cron_restart',
  'cron',
  'watch',
  'ignore_watch',
  'watch_delay',
] as const;

/** PM2's per-environment blocks (`env_production`), selected with PROCESSES_ENV. */
export const PM2_ENV_VARIANT = /^env_[A-Za-z0-9_.-]+$/;

/** Interpreters PM2 picks from a script's extension when none is given (else node). */
export const PM2_INTERPRETERS: Readonly<Record<string, string>> = {
  '.py': 'python3',
  '.sh': 'bash',
  '.rb': 'ruby',
  '.php': 'php',
  '.pl': 'perl',
};

/** PM2's defaults where they differ from ours; used for an ecosystem file (`apps`). */
export const PM2_DEFAULTS = {
  maxRestarts: 16,
  minUptimeMs: 1000,
  killTimeoutMs: 1600,
  instanceVar: 'NODE_APP_INSTANCE',
  /** How long `wait_ready` waits for process.send('ready') unless `listen_timeout` says otherwise. */
  listenTimeoutMs: 3000,
} as const;

export const BACKOFF_FIELDS = ['initialDelayMs', 'factor', 'maxDelayMs', 'resetAfterMs'] as const;
export const READINESS_FIELDS = ['tcp', 'http', 'intervalMs', 'timeoutMs', 'failureThreshold', 'startupGraceMs'] as const;
export const TCP_TARGET_FIELDS = ['host', 'port'] as const;

export const MAX_BACKOFF_FACTOR = 10;
export const MAX_FAILURE_THRESHOLD = 1000;
/** PM2's ceiling for `exp_backoff_restart_delay`. */
export const PM2_EXP_BACKOFF_MAX_DELAY_MS = 15_000;
export const PM2_EXP_BACKOFF_FACTOR = 1.5;

export const DEFAULT_BACKOFF: BackoffSpec = Object.freeze({ initialDelayMs: 100, factor: 2, maxDelayMs: 30_000, resetAfterMs: 10_000 });

export const DEFAULT_READINESS: ReadinessSpec = Object.freeze({
  target: Object.freeze({ kind: 'none' as const }),
  intervalMs: 1000,
  timeoutMs: 1000,
  failureThreshold: 3,
  startupGraceMs: 5000,
});

export const DEFAULT_TCP_HOST = '127.0.0.1';

export const PROCESS_DEFAULTS = {
  instances: 1,
  autorestart: 'always' as AutorestartPolicy,
  maxRestarts: 10,
  restartWindowMs: 60_000,
  minRestartWindowMs: 1000,
  stopSignal: 'SIGTERM',
  /** Leaves SHUTDOWN_ROOM_AFTER_KILL_MS of the default SHUTDOWN_TIMEOUT_MS (5000) for the SIGKILL and the later steps. */
  killTimeoutMs: 3000,
  /** The program PM2 runs a `script` with when no `interpreter` is given. */
  interpreter: 'node',
} as const;
