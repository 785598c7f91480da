import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostProjectError } from './host-project.errors.js';
import type { NestAsset } from './nest-assets.js';

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
  /** Nest CLI build features procguard dev does not apply (`plugins`), by field name. */
  readonly cliOnlyFeatures: readonly string[];
  /** `compilerOptions.assets`: copied into the output by procguard dev, as by `nest build`. */
  readonly assets: readonly NestAsset[];
}

/** The names the Nest CLI looks for, in its order. */
const NAMES = ['nest-cli.json', '.nestcli.json', '.nest-cli.json', 'nest.json'];

/** Reads the project's Nest CLI config; a project without one gets Nest's defaults. */
export function readNestCliConfig(projectDir: string): NestCliConfig {
  const file = NAMES.map((name) => join(projectDir, name)).find((path) => existsSync(path)) ?? null;
  if (!file) return { file, sourceRoot: 'src', entryFile: 'main', tsConfigPath: null, otherBuilder: null, cliOnlyFeatures: [], assets: [] };
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
    cliOnlyFeatures: ['plugins'].filter((field) => Array.isArray(compilerOptions[field]) && (compilerOptions[field] as unknown[]).length > 0),
    assets: readAssets(file, compilerOptions.assets),
  };
}

/** A string is `{ include }`; an object may add `exclude` and `outDir` (watchAssets is not applied). */
function readAssets(file: string, value: unknown): NestAsset[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(file, `"compilerOptions.assets" must be an array, got ${describe(value)}`);
  return value.map((entry, index) => {
    const at = `compilerOptions.assets[${index}]`;
    if (typeof entry === 'string' && entry.trim() !== '') return { include: entry, exclude: null, outDir: null };
    if (!isObject(entry)) throw invalid(file, `"${at}" must be a glob or an object with "include", got ${describe(entry)}`);
    const include = text(file, entry, 'include', `${at}.`);
    if (!include) throw invalid(file, `"${at}.include" is required`);
    return { include, exclude: text(file, entry, 'exclude', `${at}.`) ?? null, outDir: text(file, entry, 'outDir', `${at}.`) ?? null };
  });
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
