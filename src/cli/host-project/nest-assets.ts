import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One `compilerOptions.assets` entry of nest-cli.json, as the Nest CLI reads it. */
export interface NestAsset {
  /** Glob relative to sourceRoot (`*`, `**`, `?`). */
  readonly include: string;
  readonly exclude: string | null;
  /** Relative to the project directory; null: the build's outDir. */
  readonly outDir: string | null;
}

/** Directories never walked for assets. */
const SKIPPED = new Set(['node_modules', '.git']);

/** A glob as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories, none included.
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Copies what nest-cli.json's `assets` name from sourceRoot into the output, keeping each
 * file's path under sourceRoot, as `nest build` does; `procguard dev` compiles with SWC, which
 * copies nothing. Symbolic links are neither followed nor copied; each file is written to a
 * temp file and renamed, so a symlink planted at the target is replaced, never written through.
 * @returns the files copied
 */
export function copyNestAssets(projectDir: string, sourceRoot: string, outDir: string, assets: readonly NestAsset[]): string[] {
  if (assets.length === 0) return [];
  const root = resolve(projectDir, sourceRoot);
  const rules = assets.map((asset) => ({
    include: globToRegExp(asset.include),
    exclude: asset.exclude ? globToRegExp(asset.exclude) : null,
    outDir: resolve(projectDir, asset.outDir ?? outDir),
  }));
  const copied: string[] = [];
  for (const file of walk(root, root, resolve(outDir))) {
    const path = relative(root, file).split(sep).join('/');
    for (const rule of rules) {
      if (!rule.include.test(path) || rule.exclude?.test(path)) continue;
      const target = join(rule.outDir, path);
      writeReplacing(target, readFileSync(file));
      copied.push(target);
    }
  }
  return copied;
}

function* walk(dir: string, root: string, outDir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // The output may sit under sourceRoot: never copy it into itself.
      if (!SKIPPED.has(entry.name) && path !== outDir) yield* walk(path, root, outDir);
    } else if (entry.isFile()) yield path;
  }
}

function writeReplacing(target: string, data: Buffer): void {
  mkdirSync(dirname(target), { recursive: true });
  if (lstatIfAny(target)?.isDirectory()) return;
  const temp = `${target}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

function lstatIfAny(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
