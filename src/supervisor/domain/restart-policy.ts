import type { AutorestartPolicy, BackoffSpec } from './process-spec.js';

export interface RestartPolicySpec {
  readonly autorestart: AutorestartPolicy;
  readonly backoff: BackoffSpec;
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
}

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly attempt: number }
  | { readonly action: 'stay-stopped'; readonly reason: string }
  | { readonly action: 'give-up'; readonly reason: string };

/**
 * Decides, at the moment a child exits, whether and when it runs again: exponential backoff,
 * and `failed` ("give-up") once either
 * - `maxRestarts` runs in a row were unstable (each shorter than `backoff.resetAfterMs`): a
 *   crash loop, however slow its backoff makes it; or
 * - `maxRestarts` restarts fall within `restartWindowMs`, however long each run was: flapping.
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
    if (uptimeMs >= this.spec.backoff.resetAfterMs) this.unstable = 0;
    const clean = exit.code === 0 && exit.signal === null && !exit.crashed;
    if (this.spec.autorestart === 'never') return { action: 'stay-stopped', reason: 'autorestart is "never"' };
    if (this.spec.autorestart === 'on-failure' && clean) {
      return { action: 'stay-stopped', reason: 'exited cleanly and autorestart is "on-failure"' };
    }
    return this.spend(now);
  }

  /**
   * One more restart from the same budget (window and unstable runs), without the
   * autorestart gates: for a correction that restarts what an operator wants running
   * although its own policy left it stopped, so that path cannot loop without limit.
   */
  spend(now: number): RestartDecision {
    const { maxRestarts, restartWindowMs, backoff } = this.spec;
    this.restarts = this.restarts.filter((t) => now - t < restartWindowMs);
    if (this.restarts.length >= maxRestarts) {
      return { action: 'give-up', reason: `restarted ${this.restarts.length} times within ${restartWindowMs} ms (maxRestarts ${maxRestarts})` };
    }
    if (this.unstable >= maxRestarts) {
      return {
        action: 'give-up',
        reason: `restarted ${this.unstable} times in a row, no run lasting ${backoff.resetAfterMs} ms (maxRestarts ${maxRestarts})`,
      };
    }
    this.restarts.push(now);
    this.unstable += 1;
    return { action: 'restart', delayMs: RestartPolicy.delayFor(backoff, this.unstable), attempt: this.unstable };
  }

  /** An operator's start clears the history: they asked for a fresh chance. */
  reset(): void {
    this.restarts = [];
    this.unstable = 0;
  }
}
