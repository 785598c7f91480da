import type { LogFilesSpec } from './log-files.js';
/** When a process that exited is started again. PM2's `autorestart: true|false` maps to always|never. */
export type AutorestartPolicy = 'always' | 'on-failure' | 'never';

/** Restart delay schedule: initialDelayMs * factor^(n-1), capped at maxDelayMs. */
export interface BackoffSpec {
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** A run that stayed up this long resets the delay and the count of unstable runs (PM2 `min_uptime`). */
  readonly resetAfterMs: number;
}

export type ProbeTarget =
  | { readonly kind: 'none' }
  /** `port` null means the instance's own port (spec `port` + index - 1). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number | null }
  /** `{port}` in the URL is replaced by the instance's own port. */
  | { readonly kind: 'http'; readonly url: string };

export interface ReadinessSpec {
  readonly target: ProbeTarget;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures (after the grace) that make a running process be restarted. */
  readonly failureThreshold: number;
  /** Time after spawn during which failures do not count. */
  readonly startupGraceMs: number;
}

/** PM2 `watch`: restart when something under `paths` changes, `delayMs` after the last change. */
export interface WatchSpec {
  /** Absolute. */
  readonly paths: readonly string[];
  /** PM2 `ignore_watch` patterns (see watch-ignore.ts); node_modules and the data directory are always ignored. */
  readonly ignore: readonly string[];
  readonly delayMs: number;
}

/** One declared process, validated, with every default filled in. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Run `command` through /bin/sh -c; off unless asked for. */
  readonly shell: boolean;
  /** Absolute. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly instances: number;
  /** Base port: instance i gets PORT = port + i - 1. */
  readonly port: number | null;
  readonly autorestart: AutorestartPolicy;
  readonly backoff: BackoffSpec;
  /**
   * Unstable runs in a row (each shorter than `backoff.resetAfterMs`), or restarts within
   * `restartWindowMs`, after which the process is marked failed.
   */
  readonly maxRestarts: number;
  /** Null: no window, only unstable runs count (PM2's rule, the default in an `apps` file). */
  readonly restartWindowMs: number | null;
  /** Exit codes after which the process is left stopped, not restarted (PM2 `stop_exit_codes`). */
  readonly stopExitCodes: readonly number[];
  /** False: declared but not started at start-up or reload; an operator's start runs it (PM2 `autostart`). */
  readonly autostart: boolean;
  /** Variable holding the 0-based instance number (PM2's NODE_APP_INSTANCE, renamed by `instance_var`). */
  readonly instanceVar: string;
  /** Variable whose numeric value is raised by the 0-based instance number (PM2 `increment_var`). */
  readonly incrementVar: string | null;
  readonly stopSignal: string;
  readonly killTimeoutMs: number;
  readonly readiness: ReadinessSpec;
  /**
   * PM2 `wait_ready`: the instance is `running` only once it sends `process.send('ready')`;
   * not within `timeoutMs` (PM2 `listen_timeout`), it is stopped and counted as a failed start.
   */
  readonly waitReady: { readonly timeoutMs: number } | null;
  /** PM2 `max_memory_restart`: restart once the resident memory of the whole process group exceeds this. */
  readonly maxMemoryBytes: number | null;
  /** Spec names this one starts after (each of their instances ready) and stops before. */
  readonly dependsOn: readonly string[];
  /** PM2 `cron_restart`: at each time it names (5 fields, or 6 with seconds), the live instances restart. */
  readonly cronRestart: string | null;
  /** PM2 `watch` / `ignore_watch` / `watch_delay`; null: no watching. */
  readonly watch: WatchSpec | null;
  /** PM2 out_file / error_file / log_file / merge_logs / log_date_format / time; absent: `<instance>.log`. */
  readonly logs?: LogFilesSpec;
}

/** One running copy of a spec: `name` or `name-1..name-N`. */
export interface InstanceSpec {
  readonly name: string;
  readonly specName: string;
  readonly index: number;
  readonly spec: ProcessSpec;
  /** PORT for this instance, if the spec declares one. */
  readonly port: number | null;
  /** The spec's env plus INSTANCE_INDEX, NODE_APP_INSTANCE (`instanceVar`), PROCGUARD_PROCESS_NAME and PORT. */
  readonly env: Readonly<Record<string, string>>;
}

/** Expands a spec into its instances; a single instance keeps the bare name. */
export function expandInstances(spec: ProcessSpec): InstanceSpec[] {
  const many = spec.instances > 1;
  return Array.from({ length: spec.instances }, (_, i) => {
    const index = i + 1;
    const name = many ? `${spec.name}-${index}` : spec.name;
    const port = spec.port === null ? null : spec.port + i;
    const env: Record<string, string> = { ...spec.env, [spec.instanceVar]: String(i), INSTANCE_INDEX: String(index), PROCGUARD_PROCESS_NAME: name };
    if (spec.incrementVar !== null) env[spec.incrementVar] = String(Number(spec.env[spec.incrementVar] ?? 0) + i);
    if (port !== null) env.PORT = String(port);
    return { name, specName: spec.name, index, spec, port, env };
  });
}

/** True when two specs would run the same way (a reload restarts only what differs). */
export function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
