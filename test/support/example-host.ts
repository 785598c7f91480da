import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.js';

export const EXAMPLE_HOST = join(ROOT, 'examples', 'express-host');
const PROJECT_MODULES = join(ROOT, 'node_modules');

export interface PackedPackage {
  readonly tarball: string;
  readonly bytes: number;
  readonly files: number;
}

export interface InstalledHost {
  readonly dir: string;
  readonly installMs: number;
  readonly buildMs: number;
}

const made: string[] = [];

/** A directory for a whole test file (the harness's tempDir is emptied after each test). */
function fileScopedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes what packPackage and installExampleHost made: call in afterAll. */
export function removeExampleHosts(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `npm pack` of the built package (dist/ must be built: `npm test` builds before jest). */
export function packPackage(): PackedPackage {
  const destination = fileScopedDir('procguard-pack-');
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], { cwd: ROOT, encoding: 'utf8' });
  const [report] = JSON.parse(out) as { filename: string; size: number; entryCount: number }[];
  const tarball = join(destination, report.filename);
  return { tarball, bytes: statSync(tarball).size, files: report.entryCount };
}

/**
 * A fresh copy of the example host with the tarball really installed by npm. Its other
 * dependencies (Nest, the HTTP platform, procguard's own) are `file:` links to this
 * project's installed modules, so no network is needed beyond what `npm ci` fetched and
 * the host and procguard share one copy of Nest, as they would in a real install.
 */
export function installExampleHost(tarball: string): InstalledHost {
  const dir = join(fileScopedDir('procguard-host-'), 'host');
  cpSync(EXAMPLE_HOST, dir, { recursive: true, filter: (src) => !/\/(node_modules|dist|data)(\/|$)/.test(src.slice(EXAMPLE_HOST.length)) });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const packaged = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const link = (names: string[]) => Object.fromEntries(names.map((name) => [name, `file:${join(PROJECT_MODULES, name)}`]));
  manifest.dependencies = {
    ...link(Object.keys(manifest.dependencies).filter((name) => name !== 'procguard')),
    ...link(Object.keys(packaged.dependencies)),
    procguard: `file:${tarball}`,
  };
  manifest.devDependencies = link(Object.keys(manifest.devDependencies));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const started = Date.now();
  // --ignore-scripts: the linked modules are this project's, already built (better-sqlite3's addon included).
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe', timeout: 180_000 });
  const installMs = Date.now() - started;
  const buildStarted = Date.now();
  execFileSync(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe', timeout: 180_000 });
  return { dir, installMs, buildMs: Date.now() - buildStarted };
}

/** Every file name under `dir`, relative, for "what the package ships". */
export function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
