import { InvalidStateTransitionError } from './lifecycle.errors.js';

/** The instance's own lifecycle. `starting` may go straight to `stopping` (a signal during boot). */
export type LifecycleState = 'starting' | 'running' | 'stopping' | 'stopped';

const ALLOWED: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** The instance's lifecycle state machine; a repeated transition is a no-op, an illegal one throws. */
export class ProcessState {
  private current: LifecycleState = 'starting';
  private readonly changedAt = new Map<LifecycleState, Date>();

  constructor(now: Date = new Date()) {
    this.changedAt.set('starting', now);
  }

  get value(): LifecycleState {
    return this.current;
  }

  /** True while the instance should receive new work. */
  get isReady(): boolean {
    return this.current === 'running';
  }

  /**
   * @returns false when already in `to` (nothing changed), true when it moved.
   * @throws InvalidStateTransitionError for a move the table does not allow.
   */
  transitionTo(to: LifecycleState, now: Date = new Date()): boolean {
    if (to === this.current) return false;
    if (!ALLOWED[this.current].includes(to)) {
      throw new InvalidStateTransitionError(this.current, to);
    }
    this.current = to;
    this.changedAt.set(to, now);
    return true;
  }

  enteredAt(state: LifecycleState): Date | undefined {
    return this.changedAt.get(state);
  }
}
