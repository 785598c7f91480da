import { SupervisorError } from './supervisor.errors.js';

/**
 * A managed process's state. `waiting`: asked to start, held until its `dependsOn` are
 * running (no child); `starting`: spawned, not yet ready (probe or grace pending);
 * `running`: ready; `backoff`: waiting to restart; `failed`: gave up.
 */
export type ManagedState = 'stopped' | 'waiting' | 'starting' | 'running' | 'stopping' | 'backoff' | 'failed';

const ALLOWED: Readonly<Record<ManagedState, readonly ManagedState[]>> = {
  // stopped -> failed: the reconciler gives up on an operator-wanted process whose restart budget is spent.
  stopped: ['starting', 'failed', 'waiting'],
  waiting: ['starting', 'stopped'],
  starting: ['running', 'stopping', 'backoff', 'failed', 'stopped'],
  running: ['stopping', 'backoff', 'failed', 'stopped'],
  stopping: ['stopped', 'starting', 'backoff', 'failed'],
  // backoff -> waiting: the delay ran out while a dependency (dependsOn) is not running.
  backoff: ['starting', 'stopped', 'failed', 'waiting'],
  // failed -> waiting: started again (start-up, reload) while a dependency is not running.
  failed: ['starting', 'stopped', 'waiting'],
};

/** Every state, in the table's order (the metrics show one gauge per state). */
export const MANAGED_STATES = Object.keys(ALLOWED) as readonly ManagedState[];

export class IllegalProcessTransitionError extends SupervisorError {
  readonly code = 'ILLEGAL_PROCESS_TRANSITION';
  constructor(
    readonly from: ManagedState,
    readonly to: ManagedState,
  ) {
    super(`A managed process cannot go from "${from}" to "${to}"`);
  }
}

/** The transition table; a repeated state is a no-op, an illegal move throws. */
export class ManagedProcessState {
  private current: ManagedState = 'stopped';

  get value(): ManagedState {
    return this.current;
  }

  /** @returns the previous state, or null when nothing changed. */
  moveTo(to: ManagedState): ManagedState | null {
    if (to === this.current) return null;
    if (!ALLOWED[this.current].includes(to)) throw new IllegalProcessTransitionError(this.current, to);
    const from = this.current;
    this.current = to;
    return from;
  }

  static canMove(from: ManagedState, to: ManagedState): boolean {
    return from === to || ALLOWED[from].includes(to);
  }
}
