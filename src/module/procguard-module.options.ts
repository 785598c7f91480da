import type { SettingOverride } from '../config/settings.js';

/**
 * Settings of {@link ProcguardModule}. Each one left out is read from its environment
 * variable (named beside it), then from the default the README documents.
 */
export interface ProcguardModuleOptions {
  /** Process config file, YAML or JSON (`PROCESSES_CONFIG`, default `./config/processes.yaml`; a missing default file means no processes). */
  readonly processesConfig?: string;
  /** The PM2 `env_<name>` block merged over `env` (`PROCESSES_ENV`; PM2's `--env <name>`). */
  readonly processesEnv?: string;
  /** Bearer token the mutating routes require (`API_TOKEN`; at least 16 characters). `null`: none. */
  readonly apiToken?: string | null;
  /** Process names readiness waits for (`READY_REQUIRES`). */
  readonly readyRequires?: readonly string[];
  /** SQLite file (`DATABASE_PATH`, default `<dataDir>/app.db`). */
  readonly databasePath?: string;
  /** JSON-lines copy of the event log (`EVENTS_FILE`, default `<dataDir>/events.jsonl`). */
  readonly eventsFile?: string;
  /** Events kept per process (`EVENT_RETENTION`, default 1000). */
  readonly eventRetention?: number;
  /** Size a child's log file reaches before rotation (`PROCESS_LOG_MAX_BYTES`, default 5 MiB). */
  readonly processLogMaxBytes?: number;
  /** Rotated files kept per log file (`PROCESS_LOG_FILES`, default 3). */
  readonly processLogFiles?: number;
  /** Reconciler period in ms (`RECONCILE_INTERVAL_MS`, default 5000). */
  readonly reconcileIntervalMs?: number;
  /** Comment line on idle SSE streams, ms (`SSE_HEARTBEAT_MS`, default 15000). */
  readonly sseHeartbeatMs?: number;
  /** Concurrent event streams; one more answers 503 (`SSE_MAX_STREAMS`, default 32). */
  readonly sseMaxStreams?: number;
  /** A stream client that reads nothing this long is dropped, ms (`SSE_SLOW_CLIENT_TIMEOUT_MS`, default 30000). */
  readonly sseSlowClientTimeoutMs?: number;
}

/**
 * What the module adds to the host app; each is on unless turned off. Fixed where the
 * module is imported (they decide which controllers exist), so also in `forRootAsync`.
 */
export interface ProcguardFeatures {
  /**
   * `true`: `GET <prefix>/health`, `/health/ready`, `/health/live` and the indicators;
   * `'indicators'`: only {@link ProcguardHealthIndicators}, for a host with its own health route;
   * `false`: neither.
   */
  readonly health?: boolean | 'indicators';
  /** `true`: agents from the process config and `/processes` routes; `'service'`: agents and {@link ProcguardSupervisor}, no routes. Needs `database`. */
  readonly supervisor?: boolean | 'service';
  /** The agents' event log: `/events` (SSE) and `/history`. Needs `supervisor` and `database`; off by default when `supervisor` is. */
  readonly history?: boolean;
  /** The SQLite database (WAL) that keeps desired state and events. */
  readonly database?: boolean;
  /** The web dashboard, `GET <prefix>/ui`. Needs the `/processes` routes (`supervisor: true`) and `history`; on by default when they are. */
  readonly dashboard?: boolean;
  /** `GET <prefix>/metrics` (Prometheus text) and the HTTP request timings behind it. */
  readonly metrics?: boolean;
}

/** Features with their defaults applied. */
export type ResolvedFeatures = Required<ProcguardFeatures>;

export const DEFAULT_FEATURES: ResolvedFeatures = { health: true, supervisor: true, history: true, database: true, dashboard: true, metrics: true };

const OPTION_VARIABLES: Record<keyof ProcguardModuleOptions, string> = {
  processesConfig: 'PROCESSES_CONFIG',
  processesEnv: 'PROCESSES_ENV',
  apiToken: 'API_TOKEN',
  readyRequires: 'READY_REQUIRES',
  databasePath: 'DATABASE_PATH',
  eventsFile: 'EVENTS_FILE',
  eventRetention: 'EVENT_RETENTION',
  processLogMaxBytes: 'PROCESS_LOG_MAX_BYTES',
  processLogFiles: 'PROCESS_LOG_FILES',
  reconcileIntervalMs: 'RECONCILE_INTERVAL_MS',
  sseHeartbeatMs: 'SSE_HEARTBEAT_MS',
  sseMaxStreams: 'SSE_MAX_STREAMS',
  sseSlowClientTimeoutMs: 'SSE_SLOW_CLIENT_TIMEOUT_MS',
};

/** Thrown where the module is declared or its options resolved: names the option and the reason. */
export class ProcguardOptionsError extends Error {
  readonly code = 'INVALID_PROCGUARD_OPTIONS';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid procguard options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProcguardOptionsError';
  }
}

/** The module's options as overrides of their variables; an unknown key is refused by name. */
export function moduleOverrides(options: object): SettingOverride[] {
  const unknown = Object.keys(options).filter((key) => !(key in OPTION_VARIABLES));
  if (unknown.length > 0) {
    throw new ProcguardOptionsError(
      unknown.map((key) => `ProcguardModule option ${key} is not an option (known: ${Object.keys(OPTION_VARIABLES).join(', ')})`),
    );
  }
  return Object.entries(OPTION_VARIABLES).map(([option, variable]) => ({
    variable,
    label: `ProcguardModule option ${option}`,
    value: (options as Record<string, unknown>)[option],
  }));
}

/** Defaults applied; a feature that needs another that is off is refused by name. */
export function resolveFeatures(given: ProcguardFeatures): ResolvedFeatures {
  const explicit = stripUndefined(given);
  // The history records the agents' events: without agents it is off unless asked for (and then refused).
  const history = explicit.history ?? (explicit.supervisor === undefined ? DEFAULT_FEATURES.history : explicit.supervisor !== false);
  // The page drives the `/processes` routes and reads `/events`: off without them unless asked for (and then refused).
  const dashboard = explicit.dashboard ?? ((explicit.supervisor ?? true) === true && history === true);
  const features: ResolvedFeatures = { ...DEFAULT_FEATURES, ...explicit, history, dashboard };
  const problems: string[] = [];
  const allowed: Record<keyof ProcguardFeatures, readonly unknown[]> = {
    health: [true, false, 'indicators'],
    supervisor: [true, false, 'service'],
    history: [true, false],
    database: [true, false],
    dashboard: [true, false],
    metrics: [true, false],
  };
  for (const [name, values] of Object.entries(allowed) as [keyof ProcguardFeatures, readonly unknown[]][]) {
    if (!values.includes(features[name])) {
      problems.push(`ProcguardModule feature ${name}=${JSON.stringify(features[name])} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }
  if (features.history === true && features.supervisor === false) {
    problems.push('ProcguardModule feature history needs supervisor (it records the agents\' events): set supervisor: true or history: false');
  }
  if (features.dashboard === true && (features.supervisor !== true || features.history !== true)) {
    problems.push('ProcguardModule feature dashboard needs supervisor: true and history: true (the page drives /processes and reads /events): set them or dashboard: false');
  }
  if (!features.database) {
    if (features.supervisor) problems.push('ProcguardModule feature supervisor needs database (it keeps desired state there): set database: true or supervisor: false');
    if (features.history) problems.push('ProcguardModule feature history needs database (events are stored there): set database: true or history: false');
  }
  if (problems.length > 0) throw new ProcguardOptionsError(problems);
  return features;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
