import type { AutorestartPolicy, BackoffSpec } from './process-spec.js';

export interface RestartPolicySpec {
  readonly autorestart: AutorestartPolicy;
  readonly backoff: BackoffSpec;
  readonly maxRestarts: number;
  readonly restartWindowMs: number | null;
  readonly stopExitCodes?: readonly number[];
}

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly attempt: number }
  | { readonly action: 'stay-stopped'; readonly reason: string }
  | { readonly action: 'give-up'; readonly reason: string };

/**
 * Decides, at the moment a child exits, whether and when it runs again: exponential backoff,
 * and `failed` ("give-up") once either
 * - `maxRestarts` runs in a row were unstable (each shorter than `backoff.resetAfterMs`, PM2's
 *   `min_uptime`): a crash loop, however slow its backoff makes it. Only unstable runs count,
 *   as in PM2: a restart after a stable run spends nothing of this budget; or
 * - `maxRestarts` restarts fall within `restartWindowMs` (when set), however long each run
 *   was: flapping.
 * A stable run resets the delay and the count of unstable runs, not the window.
 */
export class RestartPolicy {
  private restarts: number[] = [];
  private unstable = 0;

  constructor(private readonly spec: RestartPolicySpec) {}

  /** Delay before the `attempt`-th consecutive restart (1-based). */
  static delayFor(backoff: BackoffSpec, attempt: number): number {
    const raw = backoff.initialDelayMs * Math.pow(backoff.factor, Math.max(0, attempt - 1));
    return Math.min(Math.round(raw), backoff.maxDelayMs);
  }

  /**
   * @param exit how the child ended; `crashed` covers probe-failure kills too.
   * @param uptimeMs how long that run lasted.
   */
  decide(exit: { code: number | null; signal: string | null; crashed?: boolean }, uptimeMs: number, now: number): RestartDecision {
    const stable = uptimeMs >= this.spec.backoff.resetAfterMs;
    if (stable) this.unstable = 0;
    const clean = exit.code === 0 && exit.signal === null && !exit.crashed;
    if (this.spec.autorestart === 'never') return { action: 'stay-stopped', reason: 'autorestart is "never"' };
    if (this.spec.autorestart === 'on-failure' && clean) {
      return { action: 'stay-stopped', reason: 'exited cleanly and autorestart is "on-failure"' };
    }
    if (exit.code !== null && !exit.crashed && this.spec.stopExitCodes?.includes(exit.code)) {
      return { action: 'stay-stopped', reason: `exited with code ${exit.code}, listed in stop_exit_codes` };
    }
    return this.spend(now, !stable);
  }

  /**
   * One more restart from the same budget (window and unstable runs), without the
   * autorestart gates: for a correction that restarts what an operator wants running
   * although its own policy left it stopped, so that path cannot loop without limit.
   */
  spend(now: number, unstableRun = true): RestartDecision {
    const { maxRestarts, restartWindowMs, backoff } = this.spec;
    this.restarts = restartWindowMs === null ? [] : this.restarts.filter((t) => now - t < restartWindowMs);
    if (restartWindowMs !== null && this.restarts.length >= maxRestarts) {
      return { action: 'give-up', reason: `restarted ${this.restarts.length} times within ${restartWindowMs} ms (maxRestarts ${maxRestarts})` };
    }
    if (unstableRun && this.unstable >= maxRestarts) {
      return {
        action: 'give-up',
        reason: `restarted ${this.unstable} times in a row, no run lasting ${backoff.resetAfterMs} ms (maxRestarts ${maxRestarts})`,
      };
    }
    if (restartWindowMs !== null) this.restarts.push(now);
    if (unstableRun) this.unstable += 1;
    const attempt = Math.max(1, this.unstable);
    return { action: 'restart', delayMs: RestartPolicy.delayFor(backoff, attempt), attempt };
  }

  /** An operator's start clears the history: they asked for a fresh chance. */
  reset(): void {
    this.restarts = [];
    this.unstable = 0;
  }
}
