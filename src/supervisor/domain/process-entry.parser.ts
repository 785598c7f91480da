import {
  AUTORESTART_POLICIES,
  DAY_MS,
  ENV_KEY_PATTERN,
  PM2_DEFAULTS,
  PM2_ENV_VARIANT,
  PM2_INTERPRETERS,
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
import { PM2_REFUSED_FIELDS, PM2_WARNED_FIELDS } from './pm2-fields.js';
import { PM2_LOG_FIELDS, readLogFiles } from './pm2-log.fields.js';
import { isCluster, readIncrementVar, readMaxMemory, readPm2Only, readStopExitCodes, readVariableName, readWaitReady } from './pm2-entry.fields.js';
import { splitPm2Args } from './pm2-values.js';
import { readDependsOn } from './depends-on.field.js';
import { type CronProblem, readCronRestart, readWatch } from './restart-triggers.fields.js';
import { MAX_PROCESS_NAME_LENGTH, PROCESS_NAME_RULE, processNameProblem } from './process-name.js';
import type { AutorestartPolicy, ProcessSpec } from './process-spec.js';

export interface EntryOptions {
  readonly baseDir: string;
  readonly resolvePath: (base: string, p: string) => string;
  /** CPUs, for PM2's `instances: "max"` / 0 / -N; 1 when not given. */
  readonly cpuCount?: number;
  /** PROCESSES_ENV: the `env_<name>` block merged over `env`, as PM2's `--env <name>`. */
  readonly envName?: string;
  /** Checks a `cron_restart` expression (the loader passes croner's); absent: any string is taken. */
  readonly cronProblem?: CronProblem;
}

/** Where one entry's problems and warnings go, and which defaults apply. */
export interface EntryContext {
  readonly problems: string[];
  /** Accepted PM2 fields with no effect here, one line each. */
  readonly warnings: string[];
  /** `pm2` for an ecosystem file (`apps`): PM2's defaults for restarts and kill timeout. */
  readonly dialect: 'procguard' | 'pm2';
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

const KNOWN_FIELDS: readonly string[] = [
  ...PROCESS_FIELDS,
  ...Object.keys(PM2_ALIASES),
  ...PM2_TRANSLATED_FIELDS,
  ...PM2_LOG_FIELDS,
  ...Object.keys(PM2_REFUSED_FIELDS),
];

/** Reads one entry; its problems go to `context.problems`. Null when the entry is not an object at all. */
export function parseProcessEntry(raw: unknown, where: string, options: EntryOptions, context: EntryContext): ParsedEntry | null {
  const { problems } = context;
  if (!isConfigObject(raw)) {
    problems.push(`${where}: must be an object with at least "name" and "command", got ${describeValue(raw)}`);
    return null;
  }
  const shownName = typeof raw.name === 'string' && raw.name !== '' ? raw.name : defaultName(raw.script);
  const label = shownName !== null ? `${where} ${quote(shownName)}` : where;
  const r = new FieldReader(label, problems, raw);
  r.rejectUnknown(KNOWN_FIELDS, Object.keys(PM2_WARNED_FIELDS), PM2_ENV_VARIANT);
  readPm2Only(r, context.warnings);
  for (const [alias, field] of Object.entries(PM2_ALIASES)) {
    if (r.has(alias) && r.has(field)) r.note(`give "${field}" or its PM2 name "${alias}", not both`);
  }

  const pm2 = context.dialect === 'pm2';
  const name = readName(r);
  const instances = readInstances(r, options.cpuCount ?? 1);
  if (name !== null) checkInstanceNames(r, name, instances);
  const env = readEnv(r, options.envName);
  const port = readPort(r, env, instances);
  const cwd = r.string('cwd');
  const resolvedCwd = cwd === undefined ? options.baseDir : options.resolvePath(options.baseDir, cwd);
  const spec: ProcessSpec = {
    name: name ?? '',
    ...readCommand(r),
    shell: r.boolean('shell', false),
    cwd: resolvedCwd,
    env,
    instances,
    port,
    autorestart: readAutorestart(r),
    backoff: readBackoff(r, pm2 ? PM2_DEFAULTS.minUptimeMs : undefined),
    maxRestarts: r.wholeNumber(r.pick('maxRestarts', 'max_restarts'), 0, undefined, pm2 ? PM2_DEFAULTS.maxRestarts : PROCESS_DEFAULTS.maxRestarts),
    restartWindowMs: r.has('restartWindowMs') || !pm2
      ? r.millis('restartWindowMs', PROCESS_DEFAULTS.minRestartWindowMs, DAY_MS, PROCESS_DEFAULTS.restartWindowMs)
      : null,
    stopExitCodes: readStopExitCodes(r),
    autostart: r.boolean('autostart', true),
    instanceVar: readVariableName(r, 'instance_var') ?? PM2_DEFAULTS.instanceVar,
    incrementVar: readIncrementVar(r, env),
    stopSignal: r.oneOf('stopSignal', STOP_SIGNALS, PROCESS_DEFAULTS.stopSignal),
    killTimeoutMs: r.millis(
      r.pick('killTimeoutMs', 'kill_timeout'),
      0,
      MAX_KILL_TIMEOUT_MS,
      pm2 ? PM2_DEFAULTS.killTimeoutMs : PROCESS_DEFAULTS.killTimeoutMs,
    ),
    readiness: readReadiness(r, port !== null || r.has('port')),
    waitReady: readWaitReady(r),
    maxMemoryBytes: readMaxMemory(r),
    dependsOn: readDependsOn(r, name),
    cronRestart: readCronRestart(r, options.cronProblem),
    watch: readWatch(r, resolvedCwd, options.resolvePath, context.warnings),
  };
  const logs = readLogFiles(r, spec.cwd, options.resolvePath);
  if (logs) Object.assign(spec, { logs });
  for (const [field, reason] of execLimitProblems(spec.command, spec.args, spec.env)) r.fail(field, reason);
  return { where, label, name, spec: Object.freeze(spec) };
}

/** PM2's default name: the script's file name without its extension (`app` for `./src/app.js`). */
function defaultName(script: unknown): string | null {
  if (typeof script !== 'string') return null;
  const file = script.replace(/\/+$/, '').split('/').pop() ?? '';
  const dot = file.lastIndexOf('.');
  const name = dot > 0 ? file.slice(0, dot) : file;
  return name === '' ? null : name;
}

function readName(r: FieldReader): string | null {
  const name = r.has('name') ? r.raw('name') : defaultName(r.raw('script'));
  if (name === null) {
    r.fail('name', 'is required (or PM2 "script", whose file name is the default name)');
    return null;
  }
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

/**
 * A whole number, or PM2's CPU-relative forms: `"max"` and 0 mean one per CPU, -N one per
 * CPU less N (at least 1); capped at MAX_INSTANCES_PER_PROCESS.
 */
function readInstances(r: FieldReader, cpuCount: number): number {
  const value = r.raw('instances');
  const cpuRelative = value === 'max' || (typeof value === 'number' && Number.isInteger(value) && value <= 0 && value > -MAX_INSTANCES_PER_PROCESS);
  if (!cpuRelative) {
    return r.wholeNumber('instances', 1, MAX_INSTANCES_PER_PROCESS, PROCESS_DEFAULTS.instances);
  }
  const less = value === 'max' ? 0 : -(value as number);
  return Math.min(MAX_INSTANCES_PER_PROCESS, Math.max(1, cpuCount - less));
}

/**
 * `port`, or, for several instances, a numeric PORT in `env` taken as the base port: each
 * instance then listens on its own port (base + 0-based index) instead of all on the same one.
 */
function readPort(r: FieldReader, env: Readonly<Record<string, string>>, instances: number): number | null {
  let port = r.wholeNumber('port', 1, MAX_PORT, null);
  let from = '"port"';
  if (port === null && !r.has('port') && instances > 1 && env.PORT !== undefined) {
    const base = /^\d{1,5}$/.test(env.PORT) ? Number(env.PORT) : NaN;
    if (base >= 1 && base <= MAX_PORT) {
      port = base;
      from = 'env.PORT';
    } else {
      r.fail('env.PORT', `must be a port number to give each of the ${instances} instances its own port (PORT + instance index), got ${quote(env.PORT)}`);
    }
  }
  if (port !== null && port + instances - 1 > MAX_PORT) {
    r.fail(from === '"port"' ? 'port' : 'env.PORT', `${port} with ${instances} instances would use ports up to ${port + instances - 1}; the last must be at most ${MAX_PORT}`);
  }
  if (port === null && instances > 1 && isCluster(r)) {
    r.fail(
      'exec_mode',
      `"cluster" with ${instances} instances needs a base port here: instances do not share one port (no node:cluster), ` +
        'each listens on its own, PORT = base + instance index (0-based); give "port" or env.PORT, and read PORT in the app',
    );
  }
  return port;
}

/**
 * `command` + `args`, or PM2's `script`, run by `interpreter` (alias `exec_interpreter`; by
 * default the one PM2 picks from the extension, else node; `none`, or a bare program name
 * such as `npm`, runs the script itself)
 * with `node_args` / `interpreter_args` between the interpreter and the script.
 */
function readCommand(r: FieldReader): { command: string; args: readonly string[] } {
  const args = readArgs(r, 'args');
  if (r.has('interpreter') && r.has('exec_interpreter')) r.note('give PM2 "interpreter" or its alias "exec_interpreter", not both');
  const interpreterKey = r.pick('interpreter', 'exec_interpreter');
  const interpreter = r.string(interpreterKey);
  const argsKeys = ['node_args', 'interpreter_args', 'interpreterArgs'].filter((key) => r.has(key));
  if (argsKeys.length > 1) r.note(`give one of PM2 ${argsKeys.map((k) => `"${k}"`).join(', ')}: they are the same setting`);
  const argsKey = argsKeys[0];
  const interpreterArgs = argsKey === undefined ? [] : readArgs(r, argsKey);
  if (r.has('command')) {
    if (r.has('script')) r.note('give "command" or PM2 "script", not both ("script: app.js" means command "node" with args ["app.js"])');
    if (r.has(interpreterKey)) r.fail(interpreterKey, 'applies to PM2 "script" only; with "command", name the program in "command"');
    if (argsKey !== undefined) r.fail(argsKey, 'applies to PM2 "script" only; with "command", put them in "args"');
    return { command: r.string('command') ?? '', args };
  }
  if (r.has('script')) {
    const script = r.string('script') ?? '';
    // A bare program name (`script: npm`, as PM2 examples write it) is looked up on PATH and run
    // itself, as PM2 ends up doing for it (which + isBinary); node would look for ./npm instead.
    const onPath = interpreter === undefined && !script.includes('/') && extensionOf(script) === '';
    if (interpreter === 'none' || onPath) {
      if (argsKey !== undefined) r.fail(argsKey, `are the interpreter's arguments, but ${onPath ? `"${script}" runs itself (a program on PATH)` : '"interpreter" is "none"'}`);
      return { command: script, args };
    }
    const program = interpreter ?? PM2_INTERPRETERS[extensionOf(script)] ?? PROCESS_DEFAULTS.interpreter;
    return { command: program, args: Object.freeze([...interpreterArgs, script, ...args]) };
  }
  if (r.has(interpreterKey)) r.fail(interpreterKey, 'applies to PM2 "script" only, and there is none');
  if (argsKey !== undefined) r.fail(argsKey, 'applies to PM2 "script" only, and there is none');
  r.fail('command', 'is required (or PM2 "script", run with node)');
  return { command: '', args };
}

function extensionOf(path: string): string {
  const file = path.split('/').pop() ?? '';
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(dot).toLowerCase() : '';
}

/** A list of strings (numbers become strings) or one string split into words as a shell would (quotes group). */
function readArgs(r: FieldReader, key: string): readonly string[] {
  if (!r.has(key)) return Object.freeze([]);
  const value = r.raw(key);
  if (typeof value === 'string') {
    if (value.includes('\0')) r.fail(key, NUL_REASON);
    return Object.freeze(splitPm2Args(value));
  }
  if (!Array.isArray(value)) {
    r.fail(key, `must be a list of strings, or one string split on spaces, got ${describeValue(value)}`);
    return Object.freeze([]);
  }
  const args: string[] = [];
  value.forEach((arg: unknown, i) => {
    if (typeof arg === 'string' && arg.includes('\0')) r.fail(`${key}[${i}]`, NUL_REASON);
    else if (typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg))) args.push(String(arg));
    else r.fail(`${key}[${i}]`, `must be a string or a number, got ${describeValue(arg)}`);
  });
  return Object.freeze(args);
}

/**
 * `env`, with PM2's `env_<envName>` merged over it (its variables win) when PROCESSES_ENV
 * names one this process has; every other `env_*` block is checked to be an object.
 */
function readEnv(r: FieldReader, envName: string | undefined): Readonly<Record<string, string>> {
  const entries = readEnvBlock(r, 'env');
  for (const key of r.keys()) {
    if (key === 'env' || !key.startsWith('env_')) continue;
    if (key === `env_${envName}`) entries.push(...readEnvBlock(r, key));
    else if (r.has(key) && !isConfigObject(r.raw(key))) r.fail(key, `must be an object of NAME: value, got ${describeValue(r.raw(key))}`);
  }
  // fromEntries defines own properties, so even a variable named __proto__ is kept as data; later entries win.
  return Object.freeze(Object.fromEntries(entries));
}

function readEnvBlock(r: FieldReader, key: string): [string, string][] {
  if (!r.has(key)) return [];
  const value = r.raw(key);
  if (!isConfigObject(value)) {
    r.fail(key, `must be an object of NAME: value, got ${describeValue(value)}`);
    return [];
  }
  const entries: [string, string][] = [];
  for (const [name, item] of Object.entries(value)) {
    if (!ENV_KEY_PATTERN.test(name)) {
      r.fail(key, `has the variable name ${quote(name)}: names are letters, digits and "_", not starting with a digit`);
    } else if (typeof item === 'string' && item.includes('\0')) {
      r.fail(`${key}.${name}`, NUL_REASON);
    } else if (typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) {
      entries.push([name, String(item)]);
    } else {
      r.fail(`${key}.${name}`, `must be a string, a number or a boolean, got ${describeValue(item)}`);
    }
  }
  return entries;
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
