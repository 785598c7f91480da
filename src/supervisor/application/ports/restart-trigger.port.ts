/** A running schedule or watch; stop() is idempotent. */
export interface TriggerHandle {
  stop(): Promise<void> | void;
}

/** Runs `onTick` at the times a cron expression names (PM2 `cron_restart`). */
export interface ICronScheduler {
  /** @throws Error when the expression is unusable (the config check should have refused it). */
  schedule(expression: string, onTick: () => void): TriggerHandle;
}

export interface WatchRequest {
  /** Absolute paths: directories (watched recursively) or files. */
  readonly paths: readonly string[];
  /** True for a path to leave out (ignore_watch); the adapter also always leaves out node_modules and the data directory. */
  readonly ignored: (path: string) => boolean;
}

/** Reports changes (add, change, unlink) under the watched paths, one call per change. */
export interface IFileWatcher {
  watch(request: WatchRequest, onChange: (path: string) => void, onProblem: (message: string) => void): TriggerHandle;
}

/** setTimeout/clearTimeout, injected so the debounce can be tested with a fake clock. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
