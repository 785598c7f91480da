import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { EXIT } from '../exit-codes.js';
import { NodeFileSystem } from '../lifecycle/infrastructure/node-file-system.adapter.js';
import type { IGroupUsageReader } from '../supervisor/application/ports/group-usage-reader.port.js';
import { ProcGroupUsageReader } from '../supervisor/infrastructure/proc-group-usage.reader.js';
import type { AppExit, AppProcess } from './dev-app-runner.js';
import { isRunning, signalChild, spawnTied } from './tied-child.js';

/** How often the app's CPU is read while the next spare waits for its start to settle. */
const SETTLE_POLL_MS = 100;
/** The app has settled once its process group uses less than this share of a core over a poll. */
const SETTLED_CPU_SHARE = 0.1;
/** The next spare is spawned after this at the latest, however busy the app still is. */
const SETTLE_MAX_MS = 10_000;

/**
 * What a spare loads ahead: the framework and procguard with its libraries, which a save never
 * changes and which are most of an app's start. Nothing else of the host's: its own code must
 * not run before the previous app has exited, and another dependency may act when imported.
 */
export const PRELOADED_PACKAGES: readonly string[] = [
  'reflect-metadata',
  'rxjs',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-fastify',
  '@nestjs/terminus',
  'procguard',
  'better-sqlite3',
  'pino',
  'yaml',
  'prom-client',
  'proper-lockfile',
  // Last: an app on Fastify never needs it, and a start handed over meanwhile stops the preload.
  '@nestjs/platform-express',
];

/**
 * Where the spare's program is written: under the project's node_modules/, so that a package it
 * imports resolves (up the same directories) to the very file the app's output imports, and so
 * that it can be written before the tsconfig (and the output directory) has been read.
 */
export function spareProgramPath(projectDir: string): string {
  return join(projectDir, 'node_modules', '.cache', 'procguard', 'dev-spare.mjs');
}

/**
 * The spare's program. It imports each package as the app would resolve it (only those found in
 * a node_modules/, never the host's own package; it stops early once handed the entry, which
 * is never held back by a preload), says `preloaded` on fd 3 and waits there for the entry to run. On
 * the entry it takes the entry's argv and title (ps shows the app as a cold start shows it),
 * closes fd 3 (so the app's children cannot inherit it) and imports it; on EOF it exits unused.
 */
export function spareProgram(packages: readonly string[]): string {
  return `// Written by procguard dev (src/cli/warm-app-launcher.ts): the next app process, warmed up.
import { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
// allowHalfOpen: else the session's EOF makes this end answer with its own at once, mid-preload,
// and the session (which spawns the next spare on the close) would see two spares at once.
const control = new Socket({ fd: 3, readable: true, writable: true, allowHalfOpen: true });
let handed = false;
const entry = new Promise((resolve) => {
  let received = '';
  control.setEncoding('utf8');
  control.on('data', (chunk) => { received += chunk; });
  control.on('end', () => { handed = true; resolve(received.trim()); });
  control.on('error', () => { handed = true; resolve(''); });
});
for (const name of ${JSON.stringify(packages)}) {
  if (handed) break;
  let url;
  try { url = import.meta.resolve(name); } catch { continue; }
  if (!url.includes('/node_modules/')) continue;
  try { await import(url); } catch { /* the app reports what it cannot load */ }
}
if (!handed) control.write('preloaded\\n');
const path = await entry;
if (!path) process.exit(0);
// Named the app before fd 3 closes: the session spawns the next spare only on that close.
process.argv.splice(1, process.argv.length, path);
process.title = process.execPath + ' ' + path;
control.destroy();
await import(pathToFileURL(path).href);
`;
}

interface Spare {
  readonly child: ChildProcess;
  /** Resolves true once the spare has said it loaded the framework, false if it ended first. */
  readonly preloaded: Promise<boolean>;
  /** fd 3 of a spare (null for a cold start): the entry is written to it, its end is the go. */
  readonly control: Duplex | null;
  readonly exited: Promise<AppExit>;
}

export interface WarmAppLauncherOptions {
  /** The project directory: the app's working directory, where packages resolve from. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (message: string, severity?: 'log' | 'warn' | 'error') => void;
  /** Reads the app's CPU, to spawn the next spare once its start has settled (/proc by default). */
  readonly usage?: IGroupUsageReader;
}

/**
 * Starts the dev session's app processes warm: one spare process waits beside the running app
 * with the framework already loaded, and a (re)start hands it the new build's entry, so a
 * reload pays for the host's own modules only. The spare is spawned as the app is (own group,
 * tied to the session, same env and directory), runs nothing of the host's before it is handed
 * the entry, binds nothing and opens no file of the data directory: the session's lock and the
 * one-app-at-a-time rule stay the runner's. Without a live spare a start is cold.
 */
export class WarmAppLauncher {
  private spare: Spare | null = null;
  private spareProgram: string | null = null;
  private closed = false;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly usage: IGroupUsageReader;

  constructor(private readonly options: WarmAppLauncherOptions) {
    this.usage = options.usage ?? new ProcGroupUsageReader();
  }


  /** Writes the spare's program and starts the first spare (before the layout is read: it loads meanwhile). */
  prepare(): void {
    const path = spareProgramPath(this.options.dir);
    try {
      mkdirSync(dirname(path), { recursive: true });
      new NodeFileSystem().writeAtomic(path, spareProgram(PRELOADED_PACKAGES.filter((name) => name !== this.ownPackageName())));
      this.spareProgram = path;
    } catch (error) {
      this.options.log(`Could not write ${path} (${(error as Error).message}): the app starts cold.`, 'warn');
      return;
    }
    this.spare = this.spawnSpare();
  }

  /** Starts the app at `builtEntry`: the spare, handed the entry, or a cold process; then the next spare. */
  launch(builtEntry: string): AppProcess & { readonly warm: boolean } {
    const spare = this.spare;
    this.spare = null;
    let started: Spare;
    this.cancelSettle();
    if (spare?.control && isRunning(spare.child)) {
      spare.control.end(`${builtEntry}\n`);
      started = spare;
      // The next spare once this one has taken the entry (closed fd 3) or ended: one spare at a time.
      spare.control.once('close', () => this.refillOnceSettled(spare.child));
    } else {
      started = this.spawn([builtEntry], 'inherit');
      this.refillOnceSettled(started.child);
    }
    const { child, exited } = started;
    return {
      pid: child.pid ?? 0,
      warm: started === spare,
      exited,
      signal: (signal) => signalChild(child, signal),
      killGroup: () => signalChild(child, 'SIGKILL', true),
    };
  }

  /** The waiting spare, for a test or a log line: its PID, and whether it has loaded the framework (false: none, or it ended). */
  get waiting(): { readonly pid: number; readonly preloaded: Promise<boolean> } | null {
    return this.spare ? { pid: this.spare.child.pid ?? 0, preloaded: this.spare.preloaded } : null;
  }

  /** The session ends: the waiting spare exits unused (EOF on its fd 3), or is killed if it lingers. */
  async stop(): Promise<void> {
    this.closed = true;
    this.cancelSettle();
    const spare = this.spare;
    this.spare = null;
    if (!spare) return;
    spare.control?.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const lingered = await Promise.race([
      spare.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 2000))),
    ]);
    clearTimeout(timer);
    if (lingered) signalChild(spare.child, 'SIGKILL', true);
  }

  /** Forced end: the spare's group is killed at once. */
  kill(): void {
    this.closed = true;
    this.cancelSettle();
    if (this.spare) signalChild(this.spare.child, 'SIGKILL', true);
    this.spare = null;
  }

  private refill(): void {
    if (!this.closed && !this.spare) this.spare = this.spawnSpare();
  }

  /**
   * The next spare once the app's start has settled (its group below SETTLED_CPU_SHARE of a core
   * over a poll), or once it ended, or SETTLE_MAX_MS on: a spare loading the framework beside a
   * starting app takes a core from it (with tsc's first check, three busy processes on a
   * two-core machine made a start 1.7 s slower). Without /proc, at once.
   */
  private refillOnceSettled(app: ChildProcess): void {
    this.cancelSettle();
    const pgid = app.pid;
    const startedAt = Date.now();
    let lastCpu: number | null = null;
    const check = () => {
      this.settleTimer = null;
      const members = pgid === undefined || !isRunning(app) ? null : this.usage.read(new Set([pgid]));
      const cpu = members?.get(pgid!)?.reduce((sum, member) => sum + member.cpuSeconds, 0) ?? null;
      const settled = cpu === null || (lastCpu !== null && cpu - lastCpu < (SETTLED_CPU_SHARE * SETTLE_POLL_MS) / 1000);
      if (settled || Date.now() - startedAt >= SETTLE_MAX_MS) return this.refill();
      lastCpu = cpu;
      this.settleTimer = setTimeout(check, SETTLE_POLL_MS);
    };
    check();
  }

  private cancelSettle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  private spawnSpare(): Spare | null {
    if (!this.spareProgram) return null;
    return this.spawn([this.spareProgram], 'pipe');
  }

  private spawn(args: readonly string[], control: 'pipe' | 'inherit'): Spare {
    const child = spawnTied(process.execPath, args, {
      cwd: this.options.dir,
      stdio: control === 'pipe' ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit',
      env: this.options.env,
    });
    const exited = new Promise<AppExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        this.options.log(`Could not start the app: ${error.message}`, 'error');
        resolve({ code: EXIT.failure, signal: null });
      });
    });
    const stream = child.stdio[3] as Duplex | null | undefined;
    // A spare that died meanwhile: writing its entry fails quietly and the exit is reported.
    stream?.on('error', () => undefined);
    const preloaded = new Promise<boolean>((resolve) => {
      if (!stream) return resolve(false);
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => text.includes('preloaded') && resolve(true));
      void exited.then(() => resolve(false));
    });
    return { child, control: stream ?? null, preloaded, exited };
  }

  /** The host's own package name: resolving it from the output directory finds the host's code, never to be preloaded. */
  private ownPackageName(): string | null {
    try {
      const { name } = JSON.parse(readFileSync(join(this.options.dir, 'package.json'), 'utf8')) as { name?: unknown };
      return typeof name === 'string' ? name : null;
    } catch {
      return null;
    }
  }
}
