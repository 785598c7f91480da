import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HostProjectError } from './host-project.errors.js';
import { loadHostTypeScript, type HostTypeScript } from './host-typescript.js';
import type { NestAsset } from './nest-assets.js';
import { readNestCliConfig } from './nest-cli-config.js';
import { readTsconfigLayout, type TsconfigLayout } from './tsconfig-layout.js';

/** A Nest project as `procguard dev` compiles and runs it; every path is absolute. */
export interface HostProject {
  readonly dir: string;
  /** The tsconfig tsc --watch is given. */
  readonly tsconfigPath: string;
  readonly outDir: string;
  /** `<sourceRoot>/<entryFile>.ts`. */
  readonly entrySource: string;
  /** The JavaScript tsc emits for the entry: what is run after each good build. */
  readonly builtEntry: string;
  /** The host's `typescript/bin/tsc` (the type check beside SWC). */
  readonly tscPath: string;
  /** The tsconfig as read: the sources SWC compiles, where to, and how. */
  readonly layout: TsconfigLayout;
  /** Reads the tsconfig again (a file was added): the layout as it is now. */
  readonly reread: () => TsconfigLayout;
  /** Things worth saying at start (a builder or plugins procguard dev does not use). */
  readonly notes: readonly string[];
  /** nest-cli.json's `compilerOptions.assets`, with the sourceRoot they are relative to. */
  readonly assets: { readonly sourceRoot: string; readonly entries: readonly NestAsset[] };
}

/** Extensions an entry file may have, in the order tried. */
const ENTRY_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

/**
 * Works out a host project's layout the way the Nest CLI does: nest-cli.json
 * (`sourceRoot`, `entryFile`, `compilerOptions.tsConfigPath`; all optional), else
 * tsconfig.build.json if present, else tsconfig.json; the output path of the entry
 * comes from the host's TypeScript, so `rootDir` and `extends` count as tsc counts them.
 * @throws HostProjectError naming the file at fault
 */
export function resolveHostProject(projectDir: string, loadTypeScript: (dir: string) => HostTypeScript = loadHostTypeScript): HostProject {
  const dir = projectDirectory(projectDir);
  const nest = readNestCliConfig(dir);
  const tsconfigPath = chooseTsconfig(dir, nest.file, nest.tsConfigPath);
  const entrySource = findEntry(dir, nest.sourceRoot, nest.entryFile, nest.file);
  const { ts, tscPath } = loadTypeScript(dir);
  const layout = readTsconfigLayout(ts, tsconfigPath);
  const builtEntry = layout.outputOf(entrySource);
  if (!builtEntry) {
    throw new HostProjectError(
      'ENTRY_NOT_COMPILED',
      tsconfigPath,
      `${tsconfigPath} does not compile the entry file ${relative(dir, entrySource)}: check its "files", "include" and "exclude"`,
    );
  }
  const notes = [
    ...(nest.otherBuilder && nest.otherBuilder !== 'swc' ? [`${nest.file} names the ${nest.otherBuilder} builder; procguard dev compiles with SWC (${tsconfigPath}), tsc checking types beside it.`] : []),
    ...nest.cliOnlyFeatures.map(
      (field) => `${nest.file} sets compilerOptions.${field}, which only the Nest CLI applies: procguard dev compiles with SWC and tsc, without it.`,
    ),
  ];
  return {
    dir,
    tsconfigPath,
    outDir: layout.outDir,
    entrySource,
    builtEntry,
    tscPath,
    notes,
    layout,
    reread: () => readTsconfigLayout(ts, tsconfigPath),
    assets: { sourceRoot: nest.sourceRoot, entries: nest.assets },
  };
}

/**
 * The absolute path of an existing project directory.
 * @throws HostProjectError (PROJECT_DIR_MISSING)
 */
export function projectDirectory(projectDir: string): string {
  const dir = resolve(projectDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new HostProjectError('PROJECT_DIR_MISSING', dir, `The project directory ${dir} ${existsSync(dir) ? 'is not a directory' : 'does not exist'}`);
  }
  return dir;
}

function chooseTsconfig(dir: string, nestCliFile: string | null, configured: string | null): string {
  if (configured) {
    const path = resolve(dir, configured);
    if (!existsSync(path)) {
      throw new HostProjectError('TSCONFIG_MISSING', path, `${nestCliFile}: "compilerOptions.tsConfigPath" names ${configured}, which does not exist (${path})`);
    }
    return path;
  }
  const found = ['tsconfig.build.json', 'tsconfig.json'].map((name) => join(dir, name)).find((path) => existsSync(path));
  if (!found) {
    throw new HostProjectError('TSCONFIG_MISSING', join(dir, 'tsconfig.json'), `No ${join(dir, 'tsconfig.json')} (nor a tsconfig.build.json beside it): procguard dev compiles the project with tsc and needs one`);
  }
  return found;
}

function findEntry(dir: string, sourceRoot: string, entryFile: string, nestCliFile: string | null): string {
  const base = resolve(dir, sourceRoot, entryFile);
  const found = ENTRY_EXTENSIONS.map((ext) => base + ext).find((path) => existsSync(path));
  if (found) return found;
  const origin = nestCliFile ? `from ${nestCliFile}` : 'Nest\'s defaults: no nest-cli.json';
  throw new HostProjectError(
    'ENTRY_MISSING',
    `${base}.ts`,
    `The entry file ${base}.ts does not exist (sourceRoot "${sourceRoot}", entryFile "${entryFile}", ${origin})`,
  );
}
