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
 * Decides, at the moment a child exits, whether and when it runs again:
 * exponential backoff, a cap on restarts within a sliding window, and a reset
 * once a run has stayed up `resetAfterMs`.
 */
export class RestartPolicy {
  private restarts: number[] = [];
  private consecutive = 0;

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
    if (uptimeMs >= this.spec.backoff.resetAfterMs) this.reset();
    const clean = exit.code === 0 && exit.signal === null && !exit.crashed;
    if (this.spec.autorestart === 'never') return { action: 'stay-stopped', reason: 'autorestart is "never"' };
    if (this.spec.autorestart === 'on-failure' && clean) {
      return { action: 'stay-stopped', reason: 'exited cleanly and autorestart is "on-failure"' };
    }
    this.restarts = this.restarts.filter((t) => now - t < this.spec.restartWindowMs);
    if (this.restarts.length >= this.spec.maxRestarts) {
      return {
        action: 'give-up',
        reason: `restarted ${this.restarts.length} times within ${this.spec.restartWindowMs} ms (maxRestarts ${this.spec.maxRestarts})`,
      };
    }
    this.restarts.push(now);
    this.consecutive += 1;
    return { action: 'restart', delayMs: RestartPolicy.delayFor(this.spec.backoff, this.consecutive), attempt: this.consecutive };
  }

  /** An operator's start clears the history: they asked for a fresh chance. */
  reset(): void {
    this.restarts = [];
    this.consecutive = 0;
  }
}
