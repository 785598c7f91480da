import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { processNameProblem } from '../supervisor/domain/process-name.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevelSetting } from './log-options.js';

/** The validated environment; every path is absolute. */
export interface AppEnv {
  readonly PORT: number;
  readonly HOST: string;
  readonly DATA_DIR: string;
  readonly PID_FILE_PATH: string;
  readonly DATABASE_PATH: string;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  /** Process config file (YAML or JSON). */
  readonly PROCESSES_CONFIG: string;
  /** False when PROCESSES_CONFIG was not set: a missing default file then means "no processes". */
  readonly PROCESSES_CONFIG_EXPLICIT: boolean;
  /** Bearer token for mutating endpoints; null when unset. */
  readonly API_TOKEN: string | null;
  /** Processes readiness waits for. */
  readonly READY_REQUIRES: readonly string[];
  /** PM2's `--env <name>`: selects the `env_<name>` block of every process; undefined for `env` alone. */
  readonly PROCESSES_ENV: string | undefined;
  /** Events kept per process in the database. */
  readonly EVENT_RETENTION: number;
  /** Size a child's log file may reach before it is rotated. */
  readonly PROCESS_LOG_MAX_BYTES: number;
  /** Rotated log files kept per log file (`.1` … `.N`). */
  readonly PROCESS_LOG_FILES: number;
  /** JSON-lines copy of the event log. */
  readonly EVENTS_FILE: string;
  /** Reconciler period (jittered ±20 %). */
  readonly RECONCILE_INTERVAL_MS: number;
  /** Comment line sent on idle SSE streams. */
  readonly SSE_HEARTBEAT_MS: number;
  /** Concurrent `/api/events` streams; one more answers 503. */
  readonly SSE_MAX_STREAMS: number;
  /** An SSE client that reads nothing of its full buffer this long is dropped. */
  readonly SSE_SLOW_CLIENT_TIMEOUT_MS: number;
  /** `Host` values accepted besides the defaults (see README); `*` turns the check off. */
  readonly ALLOWED_HOSTS: readonly string[];
  /** Where the one-active-instance lock lives: the data directory's file lock alone, or also PostgreSQL. */
  readonly LOCK_BACKEND: LockBackend;
  /** PostgreSQL connection string of the lock (postgres backend only); a secret, never echoed. */
  readonly LOCK_DATABASE_URL: string | null;
  /** The name every host of one deployment shares; the advisory key is derived from it. */
  readonly LOCK_KEY: string;
  /** Wait as a standby when another host holds the lock, instead of exiting 3. */
  readonly LOCK_STANDBY: boolean;
  /** Heartbeat period of the lock's connection, and the timeout of each heartbeat. */
  readonly LOCK_HEARTBEAT_MS: number;
  /** Log line format; null when unset: pretty when stdout is a terminal, JSON otherwise. */
  readonly LOG_FORMAT: LogFormat | null;
  /** Lowest level written (`info` is `log`). */
  readonly LOG_LEVEL: LogLevelSetting;
}

export type LockBackend = 'file' | 'postgres';

/** Thrown with every problem at once, each naming the variable and the reason. */
export class EnvValidationError extends Error {
  readonly code = 'INVALID_ENVIRONMENT';
  constructor(
    readonly problems: readonly string[],
    /** `settings` when some came from options in code rather than the environment. */
    what: 'environment' | 'settings' = 'environment',
  ) {
    super(`Invalid ${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvValidationError';
  }
}

type Raw = Record<string, unknown>;

/** How a problem names a setting: the variable's name, or the code option that set it. */
export type SettingLabel = (variable: string) => string;

/**
 * Validates and defaults the environment: one set of rules for the bootstrap (before
 * Nest loads) and for the module's settings. `label` names a value that came from an
 * option in code by that option, so the message points at what the user wrote.
 */
export function validateEnv(raw: Raw, cwd: string = process.cwd(), label: SettingLabel = (name) => name): AppEnv {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === '') return undefined;
    return String(value);
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      problems.push(`${label(name)}="${value}" must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  };
  const path = (name: string, fallback: string): string => {
    const given = text(name);
    // Only a value the user set is blamed: a default derived from a bad DATA_DIR is not a problem of its own.
    if (given?.includes('\0')) problems.push(`${label(name)} must not contain a NUL byte`);
    const value = given ?? fallback;
    return isAbsolute(value) ? value : resolve(cwd, value);
  };

  const PORT = int('PORT', 3000, 1, 65535);
  const HOST = text('HOST') ?? '127.0.0.1';
  if (isIP(HOST) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(HOST)) {
    problems.push(`${label('HOST')}="${HOST}" must be an IP address or a host name`);
  }
  const DATA_DIR = path('DATA_DIR', './data');
  const env: AppEnv = {
    PORT,
    HOST,
    DATA_DIR,
    PID_FILE_PATH: path('PID_FILE_PATH', resolve(DATA_DIR, 'backend.pid')),
    DATABASE_PATH: path('DATABASE_PATH', resolve(DATA_DIR, 'app.db')),
    SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 5000, 100, 600000),
    PROCESSES_CONFIG: path('PROCESSES_CONFIG', './config/processes.yaml'),
    PROCESSES_CONFIG_EXPLICIT: text('PROCESSES_CONFIG') !== undefined,
    PROCESSES_ENV: envBlockName(text('PROCESSES_ENV'), problems, label('PROCESSES_ENV')),
    API_TOKEN: token(text('API_TOKEN'), problems, label('API_TOKEN')),
    READY_REQUIRES: nameList(label('READY_REQUIRES'), text('READY_REQUIRES'), problems),
    EVENT_RETENTION: int('EVENT_RETENTION', 1000, 10, 1_000_000),
    PROCESS_LOG_MAX_BYTES: int('PROCESS_LOG_MAX_BYTES', 5 * 1024 * 1024, 64 * 1024, 2 ** 40),
    PROCESS_LOG_FILES: int('PROCESS_LOG_FILES', 3, 0, 1000),
    EVENTS_FILE: path('EVENTS_FILE', resolve(DATA_DIR, 'events.jsonl')),
    RECONCILE_INTERVAL_MS: int('RECONCILE_INTERVAL_MS', 5000, 10, 3_600_000),
    SSE_HEARTBEAT_MS: int('SSE_HEARTBEAT_MS', 15000, 100, 600_000),
    SSE_MAX_STREAMS: int('SSE_MAX_STREAMS', 32, 1, 10_000),
    SSE_SLOW_CLIENT_TIMEOUT_MS: int('SSE_SLOW_CLIENT_TIMEOUT_MS', 30_000, 100, 600_000),
    ALLOWED_HOSTS: hostList(text('ALLOWED_HOSTS'), problems, label('ALLOWED_HOSTS')),
    ...lockSettings(text, int, problems, label),
    LOG_FORMAT: oneOf(label('LOG_FORMAT'), text('LOG_FORMAT'), LOG_FORMATS, problems) ?? null,
    LOG_LEVEL: oneOf(label('LOG_LEVEL'), text('LOG_LEVEL'), LOG_LEVELS, problems) ?? 'log',
  };
  if (problems.length > 0) throw new EnvValidationError(problems);
  return env;
}

type LockSettings = Pick<AppEnv, 'LOCK_BACKEND' | 'LOCK_DATABASE_URL' | 'LOCK_KEY' | 'LOCK_STANDBY' | 'LOCK_HEARTBEAT_MS'>;

function lockSettings(
  text: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
  label: SettingLabel,
): LockSettings {
  const backend = text('LOCK_BACKEND') ?? 'file';
  if (backend !== 'file' && backend !== 'postgres') {
    problems.push(`${label('LOCK_BACKEND')}="${backend.slice(0, 80)}" must be file or postgres`);
  }
  const url = text('LOCK_DATABASE_URL') ?? null;
  if (backend === 'postgres' && url === null) {
    problems.push(`${label('LOCK_DATABASE_URL')} must be set when ${label('LOCK_BACKEND')} is postgres (e.g. postgres://user@db-host:5432/app)`);
  }
  // The URL may carry a password: its problems never quote it.
  if (url !== null && !isPostgresUrl(url)) {
    problems.push(`${label('LOCK_DATABASE_URL')} must be a postgres:// or postgresql:// URL`);
  }
  const key = text('LOCK_KEY') ?? DEFAULT_LOCK_KEY;
  if (key.length > 200 || [...key].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    problems.push(`${label('LOCK_KEY')} must be at most 200 characters with no control characters`);
  }
  const standby = text('LOCK_STANDBY') ?? 'false';
  if (!['true', 'false', '1', '0'].includes(standby)) {
    problems.push(`${label('LOCK_STANDBY')}="${standby.slice(0, 80)}" must be true or false`);
  }
  const LOCK_STANDBY = standby === 'true' || standby === '1';
  if (LOCK_STANDBY && backend !== 'postgres') {
    problems.push(`${label('LOCK_STANDBY')} needs ${label('LOCK_BACKEND')} postgres: a standby waits for another host's lock`);
  }
  return {
    LOCK_BACKEND: backend === 'postgres' ? 'postgres' : 'file',
    LOCK_DATABASE_URL: url,
    LOCK_KEY: key,
    LOCK_STANDBY,
    LOCK_HEARTBEAT_MS: int('LOCK_HEARTBEAT_MS', 500, 100, 10_000),
  };
}

/** LOCK_KEY when unset: advisory locks are per database, so by default every procguard of one database shares one lock. */
export const DEFAULT_LOCK_KEY = 'procguard';

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One of `allowed` (case as written), or undefined when unset or wrong (then a problem). */
function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], problems: string[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value.trim())) return value.trim() as T;
  problems.push(`${name}=${JSON.stringify(value.slice(0, 80))} must be one of ${allowed.join(', ')}`);
  return undefined;
}

const MIN_TOKEN_LENGTH = 16;

function token(value: string | undefined, problems: string[], name: string): string | null {
  if (value === undefined) return null;
  // The value itself is never echoed: it is a secret.
  if (value.length < MIN_TOKEN_LENGTH || /\s/.test(value)) {
    problems.push(`${name} must be at least ${MIN_TOKEN_LENGTH} characters with no spaces`);
  }
  return value;
}

/** The `<name>` of PM2's `env_<name>` blocks: the characters such a key may have. */
function envBlockName(value: string | undefined, problems: string[], label: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const name = value.trim();
  if (/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return name;
  problems.push(`${label} must be the name of an env_<name> block (letters, digits, "_", "." or "-", at most 64), got ${JSON.stringify(name.slice(0, 80))}`);
  return undefined;
}

function nameList(name: string, value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const names = value.split(',').map((n) => n.trim()).filter(Boolean);
  for (const n of names) {
    const problem = processNameProblem(n);
    if (problem !== null) problems.push(`${name} entry ${JSON.stringify(n.slice(0, 80))} is not a valid process name: it ${problem}`);
  }
  return names;
}

/** `name`, `name:port`, `1.2.3.4[:port]`, `[v6][:port]`, or `*` alone. */
const HOST_ENTRY = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

function hostList(value: string | undefined, problems: string[], name: string): string[] {
  if (value === undefined) return [];
  const entries = value.split(',').map((h) => h.trim()).filter(Boolean);
  for (const entry of entries) {
    const match = HOST_ENTRY.exec(entry);
    const port = match?.[1] === undefined ? 1 : Number(match[1]);
    if (entry !== '*' && (!match || port < 1 || port > 65535)) {
      problems.push(`${name} entry "${entry.slice(0, 80)}" must be a host name or address with an optional :port, or *`);
    }
  }
  if (entries.includes('*') && entries.length > 1) problems.push(`${name}="*" must stand alone`);
  return entries;
}
