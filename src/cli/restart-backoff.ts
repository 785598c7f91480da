export interface RestartBackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A run at least this long counts as stable: the next delay starts from `initialMs` again. */
  readonly stableAfterMs: number;
}

/** The dev session's defaults: 0.5 s doubling to 10 s, reset after 10 s of running. */
export const DEV_RESTART_BACKOFF: RestartBackoffOptions = { initialMs: 500, maxMs: 10_000, stableAfterMs: 10_000 };

/** Delay before restarting an app that exited on its own: doubles while it keeps crashing. */
export class RestartBackoff {
  private nextMs: number;

  constructor(private readonly options: RestartBackoffOptions = DEV_RESTART_BACKOFF) {
    this.nextMs = options.initialMs;
  }

  /** The delay to wait after a run of `ranMs` ended unasked; advances the backoff. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.options.stableAfterMs) this.nextMs = this.options.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.options.maxMs);
    return delay;
  }

  /** A run the session started on purpose (a save) starts a new series. */
  reset(): void {
    this.nextMs = this.options.initialMs;
  }
}
