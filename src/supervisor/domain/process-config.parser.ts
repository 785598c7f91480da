import { MAX_TOTAL_INSTANCES } from './process-config.constants.js';
import { dependencyProblems } from './dependency-order.js';
import { PM2_WARNED_TOP_LEVEL_FIELDS } from './pm2-fields.js';
import { describeValue, FieldReader, isConfigObject } from './process-config.fields.js';
import { type EntryOptions, parseProcessEntry, type ParsedEntry } from './process-entry.parser.js';
import { expandInstances, type ProcessSpec } from './process-spec.js';
import { InvalidProcessConfigError } from './supervisor.errors.js';

export interface ParseProcessConfigOptions extends EntryOptions {
  /** Named in the error, e.g. the file path. */
  readonly source: string;
  /** Gets each accepted-but-ineffective PM2 field, one line each, once the config is valid. */
  readonly warn?: (message: string) => void;
}

/**
 * Validates a process config as read from its file (`{ processes: [...] }`, a PM2 ecosystem
 * `{ apps: [...] }`, or a bare list) and fills in every default. Relative `cwd`s are
 * resolved against `baseDir` with `resolvePath`, injected because the domain has no `node:path`.
 *
 * @returns the specs in file order; an empty list is valid.
 * @throws InvalidProcessConfigError with every problem found, each naming the process, field and reason.
 */
export function parseProcessConfig(raw: unknown, options: ParseProcessConfigOptions): ProcessSpec[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  const list = readList(raw, problems, warnings);
  if (list && list.entries.length > MAX_TOTAL_INSTANCES) {
    problems.push(`"${list.key}" lists ${list.entries.length} processes; at most ${MAX_TOTAL_INSTANCES} instances in total are allowed`);
  } else if (list) {
    // An ecosystem file (`apps`) gets PM2's defaults; our own `processes` keeps ours.
    const context = { problems, warnings, dialect: list.key === 'apps' ? ('pm2' as const) : ('procguard' as const) };
    const parsed = list.entries.map((entry, i) => parseProcessEntry(entry, `${list.key}[${i}]`, options, context));
    const entries = parsed.filter((entry): entry is ParsedEntry => entry !== null);
    checkNameClashes(entries, problems);
    problems.push(...dependencyProblems(entries.filter((entry) => entry.name !== null).map((entry) => ({ ...entry.spec, label: entry.label }))));
    const block = `env_${options.envName}`;
    if (options.envName !== undefined && list.entries.length > 0 && !list.entries.some((entry) => isConfigObject(entry) && Object.hasOwn(entry, block))) {
      // Likely a typo (PROCESSES_ENV=prod for env_production): say so rather than run on env alone unnoticed.
      warnings.push(`PROCESSES_ENV is "${options.envName}", but no process has an "${block}" block: every process runs with its "env" alone`);
    }
    const total = entries.reduce((sum, entry) => sum + entry.spec.instances, 0);
    if (total > MAX_TOTAL_INSTANCES) {
      problems.push(`the processes declare ${total} instances in total; at most ${MAX_TOTAL_INSTANCES} are allowed`);
    }
    if (problems.length === 0) {
      for (const warning of warnings) options.warn?.(warning);
      return entries.map((entry) => entry.spec);
    }
  }
  throw new InvalidProcessConfigError(options.source, problems);
}

const LIST_KEYS = ['processes', 'apps'];

function readList(raw: unknown, problems: string[], warnings: string[]): { key: string; entries: readonly unknown[] } | null {
  if (Array.isArray(raw)) return { key: 'processes', entries: raw };
  if (raw === null || raw === undefined) {
    problems.push('the config is empty: list the processes under "processes" ("processes: []" for none)');
    return null;
  }
  if (!isConfigObject(raw)) {
    problems.push(`the config must be a list of processes or an object with a "processes" list, got ${describeValue(raw)}`);
    return null;
  }
  const top = new FieldReader('the config', problems, raw);
  top.rejectUnknown(LIST_KEYS, Object.keys(PM2_WARNED_TOP_LEVEL_FIELDS));
  for (const [key, reason] of Object.entries(PM2_WARNED_TOP_LEVEL_FIELDS)) {
    if (Object.hasOwn(raw, key)) warnings.push(`the config: PM2 field "${key}" is accepted but has no effect: ${reason}`);
  }
  if (Object.hasOwn(raw, 'processes') && Object.hasOwn(raw, 'apps')) {
    problems.push('the config must give "processes" or PM2 "apps", not both');
    return null;
  }
  const key = Object.hasOwn(raw, 'apps') ? 'apps' : 'processes';
  if (!Object.hasOwn(raw, key)) {
    problems.push('the config has no "processes" list (or PM2 "apps"); write "processes: []" for none');
    return null;
  }
  const entries = raw[key];
  if (!Array.isArray(entries)) {
    problems.push(`"${key}" must be a list of processes, got ${describeValue(entries)}`);
    return null;
  }
  return { key, entries };
}

interface OwnedName {
  readonly entry: ParsedEntry;
  /** 0 for the process's own name, else the instance index. */
  readonly instance: number;
}

/**
 * Names must be unique, and so must the names of instances (`web` with 3 instances runs as
 * web-1..web-3): a process called `web-1` next to it would make `web-1` ambiguous.
 */
function checkNameClashes(entries: readonly ParsedEntry[], problems: string[]): void {
  const owners = new Map<string, OwnedName>();
  for (const entry of entries) {
    if (entry.name === null) continue;
    const mine = namesOf(entry);
    const reported = new Set<ParsedEntry>();
    for (const [name, instance] of mine) {
      const owner = owners.get(name);
      if (!owner || reported.has(owner.entry)) continue;
      reported.add(owner.entry);
      problems.push(clashMessage(entry, instance, owner, name));
    }
    for (const [name, instance] of mine) if (!owners.has(name)) owners.set(name, { entry, instance });
  }
}

function namesOf(entry: ParsedEntry): [string, number][] {
  const names: [string, number][] = [[entry.spec.name, 0]];
  if (entry.spec.instances > 1) for (const instance of expandInstances(entry.spec)) names.push([instance.name, instance.index]);
  return names;
}

function clashMessage(entry: ParsedEntry, instance: number, owner: OwnedName, name: string): string {
  if (instance === 0 && owner.instance === 0) {
    return `${entry.label}: "name" "${name}" is already used by ${owner.entry.where}; names must be unique`;
  }
  const mine = instance === 0 ? 'this process' : `instance ${instance} of this process`;
  const theirs = owner.instance === 0 ? 'that process' : `instance ${owner.instance} of that one`;
  return (
    `${entry.label}: "name" clashes with ${owner.entry.label}: "${name}" would name both ${mine} and ${theirs} ` +
    '(a process with N instances runs them as name-1..name-N); rename one of them'
  );
}
