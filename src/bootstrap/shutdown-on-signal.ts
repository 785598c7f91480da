export interface ShutdownOnSignalOptions {
  readonly timeoutMs: number;
  /**
   * A repeat inside this window after the first signal is the same request, not
   * "force": Ctrl+C reaches a process twice within milliseconds (the terminal
   * signals the whole foreground group, and npm forwards one more). Default 1000 ms.
   */
  readonly repeatWindowMs?: number;
  /** Graceful path; resolves with the exit code. Absent until the app is up. */
  graceful?: (reason: string) => Promise<number>;
  /**
   * Last resort: stop what must not outlive us and release the lock. A server
   * does it synchronously; a dev session may return a promise (bounded by itself).
   */
  readonly forceRelease: () => void | Promise<void>;
  readonly exit: (code: number) => void;
  readonly log: (message: string) => void;
  /** Clock for the repeat window; injectable for tests. */
  readonly now?: () => number;
}

/** The default window in which a repeated signal is coalesced into the first. */
export const REPEAT_WINDOW_MS = 1000;

/**
 * The one owner of termination signals, shared by the server and the dev session.
 * First signal (or trigger): graceful shutdown under a deadline. A signal repeated
 * within the repeat window is logged and coalesced; one sent after it (a person
 * pressing Ctrl+C again on purpose) or the deadline forces: release and exit 1.
 * Triggers that are not a person's signal (lock compromised, a terminal hang-up,
 * an uncaught exception) never force: the deadline does.
 */
export class ShutdownOnSignal {
  private firstAt: number | null = null;
  private firstReason = '';
  private forcing = false;
  private exiting = false;
  private pendingReason: string | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private readonly repeatWindowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ShutdownOnSignalOptions) {
    this.repeatWindowMs = options.repeatWindowMs ?? REPEAT_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  listen(signals: readonly NodeJS.Signals[], target: NodeJS.EventEmitter = process): void {
    for (const signal of signals) target.on(signal, () => this.signal(signal));
  }

  /** Called by main once the app can shut down gracefully; runs a signal that came during boot. */
  attach(graceful: (reason: string) => Promise<number>): void {
    this.options.graceful = graceful;
    if (this.pendingReason) this.run(this.pendingReason);
  }

  /** A signal a person (or a supervisor) sent: the first stops gracefully, a deliberate repeat forces. */
  signal(name: string): void {
    if (this.firstAt === null) {
      this.options.log(`${name} received: shutting down gracefully (press Ctrl+C again to force)`);
      this.start(name);
      return;
    }
    const elapsed = this.now() - this.firstAt;
    if (elapsed < this.repeatWindowMs) {
      this.options.log(
        `${name} ${elapsed} ms after ${this.firstReason}: the same stop request, still shutting down gracefully ` +
          `(press Ctrl+C again to force)`,
      );
      return;
    }
    this.force(`${name} received again during shutdown`);
  }

  /** A stop nobody typed (lock compromised, terminal closed, uncaught exception): never forces. */
  trigger(reason: string): void {
    if (this.firstAt !== null) {
      this.options.log(`${reason} during shutdown: already shutting down`);
      return;
    }
    this.options.log(`Shutting down gracefully (${reason})`);
    this.start(reason);
  }

  get isShuttingDown(): boolean {
    return this.firstAt !== null;
  }

  private start(reason: string): void {
    this.firstAt = this.now();
    this.firstReason = reason;
    this.deadline = setTimeout(() => this.force(`shutdown did not finish within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
    this.deadline.unref();
    if (this.options.graceful) this.run(reason);
    else this.pendingReason = reason;
  }

  private run(reason: string): void {
    this.pendingReason = null;
    this.options.graceful!(reason).then(
      (code) => this.finish(code),
      (error: unknown) => this.force(`shutdown failed: ${String(error)}`),
    );
  }

  private force(why: string): void {
    if (this.exiting || this.forcing) return;
    this.forcing = true;
    this.options.log(`Forcing exit: ${why}`);
    let pending: void | Promise<void>;
    try {
      pending = this.options.forceRelease();
    } catch (error) {
      this.finish(1);
      throw error;
    }
    if (pending) {
      pending.then(
        () => this.finish(1),
        (error: unknown) => {
          this.options.log(`Forced release failed: ${String(error)}`);
          this.finish(1);
        },
      );
    } else {
      this.finish(1);
    }
  }

  /** Exits once: a deadline or late signal after exit was requested must not exit again. */
  private finish(code: number): void {
    if (this.exiting) return;
    this.exiting = true;
    if (this.deadline) clearTimeout(this.deadline);
    this.options.exit(code);
  }
}
