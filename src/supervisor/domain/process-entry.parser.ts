import {
  AUTORESTART_POLICIES,
  DAY_MS,
  ENV_KEY_PATTERN,
  IGNORED_PM2_FIELDS,
  PM2_ENV_VARIANT,
  MAX_INSTANCES_PER_PROCESS,
  MAX_KILL_TIMEOUT_MS,
  MAX_PORT,
  PM2_ALIASES,
  PM2_TRANSLATED_FIELDS,
  PROCESS_DEFAULTS,
  PROCESS_FIELDS,
  STOP_SIGNALS,
} from './process-config.constants.js';
import { execLimitProblems } from './exec-limits.js';
import { describeValue, FieldReader, isConfigObject, NUL_REASON, quote } from './process-config.fields.js';
import { readBackoff, readReadiness } from './process-config.sections.js';
import { MAX_PROCESS_NAME_LENGTH, PROCESS_NAME_RULE, processNameProblem } from './process-name.js';
import type { AutorestartPolicy, ProcessSpec } from './process-spec.js';

export interface EntryOptions {
  readonly baseDir: string;
  readonly resolvePath: (base: string, p: string) => string;
}

/** One process of the list, read with defaults standing in for every bad value. */
export interface ParsedEntry {
  /** Where it is in the file, e.g. `processes[1]`. */
  readonly where: string;
  /** `where` plus the name when there is one, e.g. `processes[1] "web"`. */
  readonly label: string;
  /** Null when missing or invalid: such an entry takes no part in the uniqueness checks. */
  readonly name: string | null;
  readonly spec: ProcessSpec;
}

const KNOWN_FIELDS: readonly string[] = [...PROCESS_FIELDS, ...Object.keys(PM2_ALIASES), ...PM2_TRANSLATED_FIELDS];

/** Reads one entry; its problems go to `problems`. Null when the entry is not an object at all. */
export function parseProcessEntry(raw: unknown, where: string, options: EntryOptions, problems: string[]): ParsedEntry | null {
  if (!isConfigObject(raw)) {
    problems.push(`${where}: must be an object with at least "name" and "command", got ${describeValue(raw)}`);
    return null;
  }
  const label = typeof raw.name === 'string' && raw.name !== '' ? `${where} ${quote(raw.name)}` : where;
  const r = new FieldReader(label, problems, raw);
  r.rejectUnknown(KNOWN_FIELDS, IGNORED_PM2_FIELDS, PM2_ENV_VARIANT);
  for (const [alias, field] of Object.entries(PM2_ALIASES)) {
    if (r.has(alias) && r.has(field)) r.note(`give "${field}" or its PM2 name "${alias}", not both`);
  }

  const name = readName(r);
  const instances = readInstances(r);
  if (name !== null) checkInstanceNames(r, name, instances);
  const port = r.wholeNumber('port', 1, MAX_PORT, null);
  if (port !== null && port + instances - 1 > MAX_PORT) {
    r.fail('port', `${port} with ${instances} instances would use ports up to ${port + instances - 1}; the last must be at most ${MAX_PORT}`);
  }
  const cwd = r.string('cwd');
  const spec: ProcessSpec = {
    name: name ?? '',
    ...readCommand(r),
    shell: r.boolean('shell', false),
    cwd: cwd === undefined ? options.baseDir : options.resolvePath(options.baseDir, cwd),
    env: readEnv(r),
    instances,
    port,
    autorestart: readAutorestart(r),
    backoff: readBackoff(r),
    maxRestarts: r.wholeNumber(r.pick('maxRestarts', 'max_restarts'), 0, undefined, PROCESS_DEFAULTS.maxRestarts),
    restartWindowMs: r.millis('restartWindowMs', PROCESS_DEFAULTS.minRestartWindowMs, DAY_MS, PROCESS_DEFAULTS.restartWindowMs),
    stopSignal: r.oneOf('stopSignal', STOP_SIGNALS, PROCESS_DEFAULTS.stopSignal),
    killTimeoutMs: r.millis(r.pick('killTimeoutMs', 'kill_timeout'), 0, MAX_KILL_TIMEOUT_MS, PROCESS_DEFAULTS.killTimeoutMs),
    readiness: readReadiness(r, r.has('port')),
  };
  for (const [field, reason] of execLimitProblems(spec.command, spec.args, spec.env)) r.fail(field, reason);
  return { where, label, name, spec: Object.freeze(spec) };
}

function readName(r: FieldReader): string | null {
  if (!r.has('name')) {
    r.fail('name', 'is required');
    return null;
  }
  const name = r.raw('name');
  const problem = processNameProblem(name);
  if (problem === null) return name as string;
  r.fail('name', `${problem}, got ${describeValue(name)} (a name is ${PROCESS_NAME_RULE})`);
  return null;
}

/** Instances run as `name-1..name-N`; each of those must be a valid name too (e.g. not over 64 characters). */
function checkInstanceNames(r: FieldReader, name: string, instances: number): void {
  if (instances < 2) return;
  for (let index = 1; index <= instances; index++) {
    const problem = processNameProblem(`${name}-${index}`);
    if (problem === null) continue;
    const room = MAX_PROCESS_NAME_LENGTH - `-${instances}`.length;
    r.fail(
      'name',
      `"${name}" with ${instances} instances runs as "${name}-${index}", which ${problem}; ` +
        `shorten "name" to at most ${room} characters or lower "instances"`,
    );
    return;
  }
}

function readInstances(r: FieldReader): number {
  const value = r.raw('instances');
  const cpuRelative = value === 'max' || (typeof value === 'number' && Number.isInteger(value) && value < 0);
  if (!cpuRelative) return r.wholeNumber('instances', 1, MAX_INSTANCES_PER_PROCESS, PROCESS_DEFAULTS.instances);
  const meaning = value === 'max' ? 'one per CPU' : `one per CPU, less ${-(value as number)}`;
  r.fail(
    'instances',
    `${describeValue(value)} (PM2's ${meaning}) is not supported: instances are counted, not derived from the CPUs; give a whole number from 1 to ${MAX_INSTANCES_PER_PROCESS}`,
  );
  return PROCESS_DEFAULTS.instances;
}

/** `command` + `args`, or PM2's `script` (run by `interpreter`, `node` unless given; `none` runs it directly). */
function readCommand(r: FieldReader): { command: string; args: readonly string[] } {
  const args = readArgs(r);
  const interpreter = r.string('interpreter');
  if (r.has('command')) {
    if (r.has('script')) r.note('give "command" or PM2 "script", not both ("script: app.js" means command "node" with args ["app.js"])');
    if (r.has('interpreter')) r.fail('interpreter', 'applies to PM2 "script" only; with "command", name the program in "command"');
    return { command: r.string('command') ?? '', args };
  }
  if (r.has('script')) {
    const script = r.string('script') ?? '';
    if (interpreter === 'none') return { command: script, args };
    return { command: interpreter ?? PROCESS_DEFAULTS.interpreter, args: Object.freeze([script, ...args]) };
  }
  if (r.has('interpreter')) r.fail('interpreter', 'applies to PM2 "script" only, and there is none');
  r.fail('command', 'is required (or PM2 "script", run with node)');
  return { command: '', args };
}

/** A list of strings (numbers become strings) or one string split on whitespace, as PM2 does. */
function readArgs(r: FieldReader): readonly string[] {
  if (!r.has('args')) return Object.freeze([]);
  const value = r.raw('args');
  if (typeof value === 'string') {
    if (value.includes('\0')) r.fail('args', NUL_REASON);
    return Object.freeze(value.split(/\s+/).filter((arg) => arg !== ''));
  }
  if (!Array.isArray(value)) {
    r.fail('args', `must be a list of strings, or one string split on spaces, got ${describeValue(value)}`);
    return Object.freeze([]);
  }
  const args: string[] = [];
  value.forEach((arg: unknown, i) => {
    if (typeof arg === 'string' && arg.includes('\0')) r.fail(`args[${i}]`, NUL_REASON);
    else if (typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg))) args.push(String(arg));
    else r.fail(`args[${i}]`, `must be a string or a number, got ${describeValue(arg)}`);
  });
  return Object.freeze(args);
}

function readEnv(r: FieldReader): Readonly<Record<string, string>> {
  if (!r.has('env')) return Object.freeze({});
  const value = r.raw('env');
  if (!isConfigObject(value)) {
    r.fail('env', `must be an object of NAME: value, got ${describeValue(value)}`);
    return Object.freeze({});
  }
  const entries: [string, string][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (!ENV_KEY_PATTERN.test(key)) {
      r.fail('env', `has the variable name ${quote(key)}: names are letters, digits and "_", not starting with a digit`);
    } else if (typeof item === 'string' && item.includes('\0')) {
      r.fail(`env.${key}`, NUL_REASON);
    } else if (typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) {
      entries.push([key, String(item)]);
    } else {
      r.fail(`env.${key}`, `must be a string, a number or a boolean, got ${describeValue(item)}`);
    }
  }
  // fromEntries defines own properties, so even a variable named __proto__ is kept as data.
  return Object.freeze(Object.fromEntries(entries));
}

function readAutorestart(r: FieldReader): AutorestartPolicy {
  const value = r.raw('autorestart');
  if (value === true) return 'always';
  if (value === false) return 'never';
  if (!r.has('autorestart') || AUTORESTART_POLICIES.includes(value as AutorestartPolicy)) {
    return (value as AutorestartPolicy | undefined | null) ?? PROCESS_DEFAULTS.autorestart;
  }
  r.fail('autorestart', `must be "always", "on-failure" or "never" (or true/false), got ${describeValue(value)}`);
  return PROCESS_DEFAULTS.autorestart;
}
