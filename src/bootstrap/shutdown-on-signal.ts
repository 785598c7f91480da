export interface ShutdownOnSignalOptions {
  readonly timeoutMs: number;
  /** Graceful path; resolves with the exit code. Absent until the app is up. */
  graceful?: (reason: string) => Promise<number>;
  /** Last resort: must release the lock synchronously. */
  readonly forceRelease: () => void;
  readonly exit: (code: number) => void;
  readonly log: (message: string) => void;
}

/**
 * The one owner of termination signals. First signal: graceful shutdown under a
 * deadline. Second signal or deadline: release the lock and exit at once.
 */
export class ShutdownOnSignal {
  private started = false;
  private exiting = false;
  private pendingReason: string | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: ShutdownOnSignalOptions) {}

  listen(signals: readonly NodeJS.Signals[], target: NodeJS.EventEmitter = process): void {
    for (const signal of signals) target.on(signal, () => this.trigger(signal));
  }

  /** Called by main once the app can shut down gracefully; runs a signal that came during boot. */
  attach(graceful: (reason: string) => Promise<number>): void {
    this.options.graceful = graceful;
    if (this.pendingReason) this.run(this.pendingReason);
  }

  trigger(reason: string): void {
    if (this.started) {
      this.force(`${reason} received again during shutdown`);
      return;
    }
    this.started = true;
    this.deadline = setTimeout(() => this.force(`shutdown did not finish within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
    this.deadline.unref();
    if (this.options.graceful) this.run(reason);
    else this.pendingReason = reason;
  }

  get isShuttingDown(): boolean {
    return this.started;
  }

  private run(reason: string): void {
    this.pendingReason = null;
    this.options.graceful!(reason).then(
      (code) => this.finish(code),
      (error: unknown) => this.force(`shutdown failed: ${String(error)}`),
    );
  }

  private force(why: string): void {
    if (this.exiting) return;
    this.options.log(`Forcing exit: ${why}`);
    try {
      this.options.forceRelease();
    } finally {
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
