/**
 * `procguard dev` (this repository's `npm run dev`): the single-instance guard
 * runs here, before anything compiles, so a second session is refused without
 * touching the running session's output directory. The session holds the lock
 * for its whole life, compiles the host's sources with SWC (all at start, then each
 * saved file), runs the host's `tsc --noEmit --watch` beside it to report type errors,
 * and owns the app process itself (DevAppRunner): it starts each good build
 * after the previous app has exited, hands it the lock (PROCGUARD_DEV_SESSION),
 * and restarts an app that dies on its own. Signals follow the server's policy
 * (ShutdownOnSignal): Ctrl+C stops gracefully, a deliberate second one forces.
 */
import { relative } from 'node:path';
import { EXIT } from '../exit-codes.js';
import { DEV_SESSION_ENV, type HeldInstanceLock } from '../bootstrap/instance-guard.js';
import { REPEAT_WINDOW_MS, ShutdownOnSignal } from '../bootstrap/shutdown-on-signal.js';
import { acquireOrExit, parseEnvOrExit } from '../bootstrap/start-guard.js';
import { processLog } from '../bootstrap/logging/process-log.js';
import { dropOutputToALostTerminal } from '../bootstrap/terminal-output.js';
import type { CommandOutcome } from './commands/cli-command.js';
import { CompilerWatch } from './compiler-watch.js';
import { DevAppRunner } from './dev-app-runner.js';
import { HostProjectError } from './host-project/host-project.errors.js';
import { projectDirectory, resolveHostProject, type HostProject } from './host-project/host-project.js';
import { copyNestAssets } from './host-project/nest-assets.js';
import { RestartBackoff } from './restart-backoff.js';
import type { SourceWatch } from './source-watch.js';
import type { CompileResult } from './swc-compiler.js';
import type { TsconfigLayout } from './host-project/tsconfig-layout.js';
import { WarmAppLauncher } from './warm-app-launcher.js';

/** The session's lines: the same logger and format as the app's, named `procguard dev`. */
const log = (message: string, severity: 'log' | 'warn' | 'error' = 'log', fields?: Record<string, unknown>) =>
  processLog.write(severity, message, undefined, fields);
/** Time an app gets beyond its own shutdown deadline before its group is killed. */
const GRACE_BEYOND_APP_DEADLINE_MS = 2000;

/** The tsconfig read again after a file was added; if it cannot be read now, the layout before (said once per save). */
function layoutOrKeep(project: HostProject, before: TsconfigLayout): TsconfigLayout {
  try {
    return project.reread();
  } catch (error) {
    log(`${(error as Error).message}; compiling with the tsconfig as it was read before.`, 'warn');
    return before;
  }
}

export interface DevSessionOptions {
  /** The host project, relative to the current directory. */
  readonly projectDir: string;
}

/**
 * What `read` finds out about the host project, or its problem on stderr and
 * exit code 2 (the spare killed and the lock, if already held, released first).
 */
function layoutOrExit<T>(read: () => T, held: HeldInstanceLock | null, spare?: WarmAppLauncher | null): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof HostProjectError)) throw error;
    processLog.tell(error.message, 'DevSession', { code: error.code });
    spare?.kill();
    held?.lockManager.releaseLockSync();
    process.exit(EXIT.badConfig);
  }
}

/**
 * Runs a dev session of the Nest project in `projectDir` until a signal ends it
 * (the session exits the process itself). A project that cannot be run as laid
 * out exits 2, as a bad environment does; a duplicate exits 3.
 */
export async function runDevSession(options: DevSessionOptions): Promise<CommandOutcome> {
  const dir = layoutOrExit(() => projectDirectory(options.projectDir), null);
  // The app runs in the project directory, so relative paths in the environment mean the same to both.
  process.chdir(dir);
  const env = parseEnvOrExit();
  processLog.configure({ format: env.LOG_FORMAT, level: env.LOG_LEVEL }, 'procguard dev');
  let exitCode: number = EXIT.ok;
  // The lock is taken first; nothing compiles before a duplicate has been refused.
  let shutdown: ShutdownOnSignal | null = null;
  const held = await acquireOrExit(env, 'dev-session', (level, message) => log(message, level), (error) => {
    log(`${error.message}; stopping the session.`, 'error');
    exitCode = EXIT.lockCompromised;
    shutdown?.trigger('lock compromised');
  });
  processLog.setInstanceId(held.lock.instanceId);
  const stopTimeoutMs = env.SHUTDOWN_TIMEOUT_MS + GRACE_BEYOND_APP_DEADLINE_MS;
  let compiler: CompilerWatch | null = null;
  let sources: SourceWatch | null = null;
  let runner: DevAppRunner | null = null;
  let warm: WarmAppLauncher | null = null;
  // Listening from here on: a signal while the layout is read (below) waits for this
  // handler instead of killing the session with the lock held.
  shutdown = new ShutdownOnSignal({
    timeoutMs: stopTimeoutMs + 2 * GRACE_BEYOND_APP_DEADLINE_MS,
    graceful: async () => {
      await Promise.all([compiler?.stop(), sources?.stop(), runner?.stop(), warm?.stop()]);
      await held.lockManager.releaseLock();
      return exitCode;
    },
    forceRelease: async () => {
      compiler?.kill();
      warm?.kill();
      void sources?.stop();
      await runner?.forceStop();
      held.lockManager.releaseLockSync();
    },
    exit: (code) => process.exit(code),
    log: (message) => log(message, 'warn'),
  });
  shutdown.listen(['SIGINT', 'SIGTERM']);
  dropOutputToALostTerminal();
  // SIGHUP is the terminal closing: nothing may keep running detached from it.
  process.on('SIGHUP', () => shutdown?.trigger('SIGHUP (terminal closed)'));

  // The first spare loads the framework while the layout is read and SWC compiles.
  const launcher = new WarmAppLauncher({ dir, env: { ...process.env, [DEV_SESSION_ENV]: held.lock.instanceId }, log });
  warm = launcher;
  launcher.prepare();
  // Read with the lock held, as the server reads its process config: loading the host's
  // TypeScript takes most of a second, which a refused duplicate need not pay.
  const project = layoutOrExit(() => resolveHostProject(dir), held, launcher);
  for (const note of project.notes) log(note);
  const apps = new DevAppRunner({
    launch: () => {
      const app = launcher.launch(project.builtEntry);
      log(`Started the app (pid ${app.pid})${app.warm ? ', its framework preloaded' : ''}.`, 'log', { app: { pid: app.pid, warm: app.warm } });
      return app;
    },
    backoff: new RestartBackoff(),
    stopTimeoutMs,
    repeatWindowMs: REPEAT_WINDOW_MS,
    // Everything the runner reports is an app that ended or would not stop.
    log: (message) => log(message, 'warn'),
  });
  runner = apps;
  let layout = project.layout;
  // Loaded with the lock held, as the host's TypeScript is: a refused duplicate never pays for them.
  const [{ loadSwc, SwcCompiler }, { SourceWatch: Watch }] = await Promise.all([import('./swc-compiler.js'), import('./source-watch.js')]);
  const swc = new SwcCompiler(layout, layoutOrExit(loadSwc, held, launcher));
  const building = () => !shutdown?.isShuttingDown;
  /** SWC's outcome: a good build (re)starts the app; a file it cannot parse keeps the running one. */
  const built = (result: CompileResult, what: string): void => {
    if (!building()) return;
    for (const failure of result.failures) log(`SWC could not compile ${shown(failure.source)}:\n${failure.message}`, 'error');
    if (result.failures.length > 0) {
      log(
        `${result.failures.length} file(s) did not compile (above): ` +
          (apps.pid ? `the app (pid ${apps.pid}) keeps running the previous build until they are fixed.` : 'the app starts once they are fixed.'),
        'warn',
      );
      return;
    }
    log(`Compiled ${result.compiled} file(s) with SWC in ${Math.round(result.ms)} ms (${what}).`, 'log', { compiled: result.compiled, ms: Math.round(result.ms) });
    apps.compiled();
  };
  compiler = new CompilerWatch(project, {
    // Types are checked beside the build and reported, not waited for: a reload after a save
    // takes SWC's few milliseconds instead of tsc's seconds (SWC never checks types).
    status: (status) => {
      if (status.kind === 'compiling' || status.errors === 0 || !building()) return;
      log(
        `The type check found ${status.errors} type error(s) (above)` +
          (apps.pid ? `; the app (pid ${apps.pid}) runs the build anyway: SWC compiles without checking types.` : '.'),
        'warn',
        { typeErrors: status.errors },
      );
    },
    exited: (code, signal) => {
      log(`The type checker ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; ending the session.`, 'error');
      exitCode = EXIT.failure;
      shutdown?.trigger('the type checker exited');
    },
  });
  sources = new Watch(
    project.layout.sourceDirs,
    async ({ changed, added, removed }) => {
      if (!building()) return;
      if (added.length > 0) swc.retarget((layout = layoutOrKeep(project, layout)));
      for (const source of removed) swc.remove(source);
      const toCompile = [...changed, ...added];
      if (toCompile.length === 0 && removed.length === 0) return;
      built(await swc.compile(toCompile), `${[...toCompile, ...removed].map(shown).join(', ')} saved`);
    },
    (error) => log(`Watching the sources failed: ${error.message}`, 'error'),
  );

  const shown = (path: string) => relative(project.dir, path);
  log(
    `Session ${held.lock.instanceId} holds ${env.PID_FILE_PATH}; compiling ${project.dir} with SWC ` +
      `(tsc -p ${shown(project.tsconfigPath)} --noEmit --watch checks types beside it), then starting ${shown(project.builtEntry)}.`,
  );
  // The watch is ready before the first build is run: a save during that build is not missed.
  const [, first] = await Promise.all([sources.start(), swc.compile(project.layout.sources)]);
  copyAssets(project);
  built(first, 'all sources');
  // Only now: tsc's first full check takes seconds of CPU that the first build and the app's
  // start would otherwise share with it.
  if (building()) compiler.start();
  return 'running';
}

/** nest-cli.json's assets, copied once at start as `nest build` would (SWC copies nothing). */
function copyAssets(project: HostProject): void {
  if (project.assets.entries.length === 0) return;
  try {
    const copied = copyNestAssets(project.dir, project.assets.sourceRoot, project.outDir, project.assets.entries);
    log(`Copied ${copied.length} asset file(s) named by nest-cli.json's compilerOptions.assets (copied at start; restart the session after changing them).`);
  } catch (error) {
    log(`Copying the assets named by nest-cli.json failed: ${(error as Error).message}`, 'error');
  }
}
