import { EXIT } from '../exit-codes.js';
import type { RestartBackoff } from './restart-backoff.js';

/** How an app process ended. */
export interface AppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One started app process, as the runner sees it (a real child in the session, a fake in tests). */
export interface AppProcess {
  readonly pid: number;
  /** Resolves once, when the process has exited. */
  readonly exited: Promise<AppExit>;
  /** Signals the app itself (not its group): it stops its own agents. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the app's process group while the app still runs (so the group is ours). */
  killGroup(): void;
}

export interface DevAppRunnerOptions {
  readonly launch: () => AppProcess;
  readonly backoff: RestartBackoff;
  /** How long an app gets to exit after SIGTERM before its group is killed. */
  readonly stopTimeoutMs: number;
  /** The app coalesces a repeated signal within this window (ShutdownOnSignal); a forcing repeat must come after it. */
  readonly repeatWindowMs: number;
  readonly log: (message: string) => void;
  readonly now?: () => number;
}

/** Exit codes that mean the person must fix something first: restarting would fail the same way. */
const MUST_FIX: ReadonlyMap<number, string> = new Map<number, string>([
  [EXIT.badConfig, 'invalid environment or configuration'],
  [EXIT.alreadyRunning, 'another instance holds the data directory'],
  [EXIT.portInUse, 'the HTTP port is taken'],
  [EXIT.dataDirUnusable, 'the data directory or database cannot be used'],
]);

/** After SIGKILL of its group, how long we wait for the kernel to report the app gone. */
const KILL_WAIT_MS = 3000;
/** After a forcing signal, how long the app gets to kill its agents and release before its group is killed. */
const FORCE_WAIT_MS = 3000;

interface Run {
  readonly app: AppProcess;
  readonly startedAt: number;
  /** The session asked this run to stop: its exit is not news. */
  stopping: boolean;
  /** When the app was sent its first SIGTERM (0 = not yet). */
  termAt: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Owns the app process of a dev session: runs each finished build, never two
 * at once (the old app has exited before the next starts), notices an exit it
 * did not ask for, says so, and restarts with backoff, unless the exit code
 * means the person has to fix something, in which case it waits for the next save.
 */
export class DevAppRunner {
  private current: Run | null = null;
  private queue: Promise<void> = Promise.resolve();
  private restartQueued = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: DevAppRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The PID of the running app, if any. */
  get pid(): number | null {
    return this.current?.app.pid ?? null;
  }

  /** A compile finished without errors: stop the running app (if any) and start the new build. */
  compiled(): void {
    if (this.closed) return;
    this.cancelRetry();
    this.options.backoff.reset();
    this.enqueueRestart();
  }

  /** Graceful end of the session: no more restarts; the app stops (bounded) and has exited on return. */
  async stop(): Promise<void> {
    this.closed = true;
    this.cancelRetry();
    await this.queue;
    await this.stopCurrent();
  }

  /**
   * Forced end: a second signal to the app after its repeat window makes it force
   * its own exit (SIGKILL its agents' groups, release); whatever still runs after that is killed.
   */
  async forceStop(): Promise<void> {
    this.closed = true;
    this.cancelRetry();
    const run = this.current;
    if (!run) return;
    this.terminate(run);
    const wait = run.termAt + this.options.repeatWindowMs + 100 - this.now();
    const exitedMeanwhile = wait > 0 && (await this.exitsWithin(run, wait));
    if (!exitedMeanwhile) run.app.signal('SIGTERM');
    if (!(await this.exitsWithin(run, FORCE_WAIT_MS))) {
      this.options.log(`The app (pid ${run.app.pid}) did not exit when forced; killing its process group.`);
      run.app.killGroup();
      await this.exitsWithin(run, KILL_WAIT_MS);
    }
  }

  private enqueueRestart(): void {
    if (this.restartQueued) return;
    this.restartQueued = true;
    this.queue = this.queue.then(async () => {
      this.restartQueued = false;
      await this.stopCurrent();
      if (!this.closed) this.start();
    });
  }

  private start(): void {
    const app = this.options.launch();
    const run: Run = { app, startedAt: this.now(), stopping: false, termAt: 0 };
    this.current = run;
    void app.exited.then((exit) => this.exited(run, exit));
  }

  private exited(run: Run, exit: AppExit): void {
    if (this.current === run) this.current = null;
    if (run.stopping || this.closed) return;
    const ranMs = this.now() - run.startedAt;
    const what = `The app (pid ${run.app.pid}) ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`} after ${seconds(ranMs)}`;
    const mustFix = exit.code === null ? undefined : MUST_FIX.get(exit.code);
    if (mustFix) {
      this.options.log(`${what} (${mustFix}): not restarting it; fix the cause and save a file to start it again.`);
      return;
    }
    const delayMs = this.options.backoff.delayAfter(ranMs);
    this.options.log(`${what}; restarting it in ${seconds(delayMs)}.`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.enqueueRestart();
    }, delayMs);
  }

  /** Marks `run` as stopped on purpose and sends its first SIGTERM (once). */
  private terminate(run: Run): void {
    run.stopping = true;
    if (run.termAt) return;
    run.termAt = this.now();
    run.app.signal('SIGTERM');
  }

  /** Stops the current run, if any: SIGTERM, bounded wait, then SIGKILL of its group. */
  private async stopCurrent(): Promise<void> {
    const run = this.current;
    if (!run) return;
    this.terminate(run);
    if (!(await this.exitsWithin(run, this.options.stopTimeoutMs))) {
      this.options.log(`The app (pid ${run.app.pid}) did not exit within ${this.options.stopTimeoutMs} ms of SIGTERM; killing its process group.`);
      run.app.killGroup();
      await this.exitsWithin(run, KILL_WAIT_MS);
    }
    if (this.current === run) this.current = null;
  }

  private async exitsWithin(run: Run, ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([run.app.exited.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private cancelRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }
}

