import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostProjectError } from './host-project.errors.js';

/** The parts of a host's nest-cli.json that say what to compile and run. */
export interface NestCliConfig {
  /** The file read, or null when the project has none (then every field is Nest's default). */
  readonly file: string | null;
  /** @default 'src' */
  readonly sourceRoot: string;
  /** Without extension, relative to sourceRoot. @default 'main' */
  readonly entryFile: string;
  /** `compilerOptions.tsConfigPath`, relative to the project directory, if set. */
  readonly tsConfigPath: string | null;
  /** `compilerOptions.builder` when it is not tsc (swc, webpack): procguard dev compiles with tsc all the same. */
  readonly otherBuilder: string | null;
  /** Nest CLI build features plain tsc does not have (`assets`, `plugins`), by field name. */
  readonly cliOnlyFeatures: readonly string[];
}

/** The names the Nest CLI looks for, in its order. */
const NAMES = ['nest-cli.json', '.nestcli.json', '.nest-cli.json', 'nest.json'];

/** Reads the project's Nest CLI config; a project without one gets Nest's defaults. */
export function readNestCliConfig(projectDir: string): NestCliConfig {
  const file = NAMES.map((name) => join(projectDir, name)).find((path) => existsSync(path)) ?? null;
  if (!file) return { file, sourceRoot: 'src', entryFile: 'main', tsConfigPath: null, otherBuilder: null, cliOnlyFeatures: [] };
  const raw = parseObject(file);
  const compilerOptions = raw.compilerOptions ?? {};
  if (!isObject(compilerOptions)) throw invalid(file, `"compilerOptions" must be an object, got ${describe(compilerOptions)}`);
  const builder = compilerOptions.builder;
  const builderName = isObject(builder) ? builder.type : builder;
  return {
    file,
    sourceRoot: text(file, raw, 'sourceRoot') ?? 'src',
    entryFile: text(file, raw, 'entryFile') ?? 'main',
    tsConfigPath: text(file, compilerOptions, 'tsConfigPath', 'compilerOptions.') ?? null,
    otherBuilder: compilerOptions.webpack === true ? 'webpack' : typeof builderName === 'string' && builderName !== 'tsc' ? builderName : null,
    cliOnlyFeatures: ['assets', 'plugins'].filter((field) => Array.isArray(compilerOptions[field]) && (compilerOptions[field] as unknown[]).length > 0),
  };
}

function parseObject(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(file, `is not valid JSON (${(error as Error).message})`, error);
  }
  if (!isObject(raw)) throw invalid(file, `must hold a JSON object, got ${describe(raw)}`);
  return raw;
}

function text(file: string, from: Record<string, unknown>, field: string, prefix = ''): string | undefined {
  const value = from[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(file, `"${prefix}${field}" must be a non-empty string, got ${describe(value)}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function invalid(file: string, reason: string, cause?: unknown): HostProjectError {
  return new HostProjectError('NEST_CLI_INVALID', file, `${file}: ${reason}`, { cause });
}
