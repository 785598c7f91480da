import { DAY_MS, ENV_KEY_PATTERN, PM2_DEFAULTS } from './process-config.constants.js';
import { describeValue, type FieldReader, quote } from './process-config.fields.js';
import { PM2_REFUSED_FIELDS, PM2_WARNED_FIELDS } from './pm2-fields.js';
import { pm2Bytes } from './pm2-values.js';

// Readers of the PM2 fields of one process that have no counterpart among ours; the entry
// parser (process-entry.parser.ts) calls them.

/** PM2 `exec_mode: cluster` (or `cluster_mode`). */
export function isCluster(r: FieldReader): boolean {
  const mode = r.raw('exec_mode');
  return mode === 'cluster' || mode === 'cluster_mode';
}

/** PM2 `wait_ready` (+ `listen_timeout`, ms): running only once the process sends 'ready' over IPC. */
export function readWaitReady(r: FieldReader): { timeoutMs: number } | null {
  if (!r.boolean('wait_ready', false)) return null;
  if (r.has('readiness')) r.fail('wait_ready', 'and "readiness" both decide when the process is running; give one');
  if (r.has('shell') && r.raw('shell') === true) r.fail('wait_ready', 'needs the process itself to be the Node program that sends \'ready\', not a shell ("shell: true")');
  return Object.freeze({ timeoutMs: r.millis('listen_timeout', 1, DAY_MS, PM2_DEFAULTS.listenTimeoutMs) });
}

/** Below this a Node process cannot even start: a smaller limit would restart it for ever. */
const MIN_MEMORY_LIMIT_BYTES = 1024 * 1024;

/** PM2 `max_memory_restart`: bytes, or a size such as "200M", "1G", "2048K" (powers of 1024). */
export function readMaxMemory(r: FieldReader): number | null {
  if (!r.has('max_memory_restart')) return null;
  const value = r.raw('max_memory_restart');
  const bytes = pm2Bytes(value);
  if (bytes !== null && bytes >= MIN_MEMORY_LIMIT_BYTES) return bytes;
  r.fail('max_memory_restart', `must be bytes of at least 1 MiB, or a size such as "200M", "1G", "2048K", got ${describeValue(value)}`);
  return null;
}

/** PM2 `stop_exit_codes`: one exit code or a list of them (0 to 255). */
export function readStopExitCodes(r: FieldReader): readonly number[] {
  if (!r.has('stop_exit_codes')) return Object.freeze([]);
  const value = r.raw('stop_exit_codes');
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const codes: number[] = [];
  list.forEach((code, i) => {
    if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 255) codes.push(code);
    else r.fail(Array.isArray(value) ? `stop_exit_codes[${i}]` : 'stop_exit_codes', `must be an exit code from 0 to 255 (or a list of them), got ${describeValue(code)}`);
  });
  return Object.freeze(codes);
}

export function readVariableName(r: FieldReader, key: string): string | null {
  const name = r.string(key);
  if (name === undefined) return null;
  if (ENV_KEY_PATTERN.test(name)) return name;
  r.fail(key, `must be a variable name (letters, digits and "_", not starting with a digit), got ${quote(name)}`);
  return null;
}

/** PM2 `increment_var`: the named variable, a number in `env` (0 when absent), is raised by the instance index. */
export function readIncrementVar(r: FieldReader, env: Readonly<Record<string, string>>): string | null {
  const name = readVariableName(r, 'increment_var');
  if (name === null) return null;
  if (name === 'PORT') {
    r.fail('increment_var', 'is "PORT": each instance already gets PORT = base + its index from "port" or env.PORT; remove it');
    return null;
  }
  if (env[name] !== undefined && !/^\d{1,15}$/.test(env[name])) {
    r.fail('increment_var', `names ${name}, whose value in "env" must be a whole number to be incremented, got ${quote(env[name])}`);
    return null;
  }
  return name;
}

/**
 * PM2 keys with no counterpart: a warning for those that change nothing that matters here,
 * a problem for those whose absence would run the process differently from what is asked.
 */
export function readPm2Only(r: FieldReader, warnings: string[]): void {
  for (const [key, reason] of Object.entries(PM2_WARNED_FIELDS)) {
    if (key === 'listen_timeout' && r.raw('wait_ready') === true) continue;
    if (r.raw(key) !== undefined) warnings.push(`${r.owner}: PM2 field "${key}" is accepted but has no effect: ${reason}`);
  }
  for (const [key, refused] of Object.entries(PM2_REFUSED_FIELDS)) {
    if (!r.has(key)) continue;
    if ('accepts' in refused && r.raw(key) === refused.accepts) continue;
    r.fail(key, refused.reason);
  }
  if (r.has('exec_mode') && !['fork', 'fork_mode', 'cluster', 'cluster_mode'].includes(r.raw('exec_mode') as string)) {
    r.fail('exec_mode', `must be "fork" or "cluster" (or "fork_mode", "cluster_mode"), got ${describeValue(r.raw('exec_mode'))}`);
  } else if (isCluster(r)) {
    warnings.push(
      `${r.owner}: PM2 "exec_mode: cluster" runs separate processes here (no node:cluster, no shared port): ` +
        'each instance gets its own PORT = base + NODE_APP_INSTANCE',
    );
  }
}
