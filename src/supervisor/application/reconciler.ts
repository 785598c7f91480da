import type { ReconcileOutcome } from './managed-process.js';
import type { ProcessManager } from './process-manager.service.js';

/** One change a pass made; `reason` (also the event's) always starts with `reconciler:`. */
export interface Correction extends ReconcileOutcome {
  readonly name: string;
}

const JITTER = 0.2;

/**
 * Periodically makes the world match the desired state: starts what should run
 * and is stopped, stops what should not run, and hands an instance whose PID no
 * longer has its recorded start time (a missed exit) to its restart policy.
 * Each look runs inside the instance's command queue (ManagedProcess.reconcile),
 * so it never races the instance's own restart logic. It never looks at
 * processes it did not start, so nothing foreign is ever adopted. Passes never
 * overlap: the next one is scheduled when the last has finished.
 */
export class Reconciler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  /** Set by stop(): a pass under way makes no further corrections (shutdown is stopping the agents). */
  private halted = false;

  constructor(
    private readonly manager: ProcessManager,
    private readonly intervalMs: number,
    private readonly onCorrection: (c: Correction) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.running = true;
    this.halted = false;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One comparison of desired and actual state; returns what it corrected. */
  async pass(): Promise<Correction[]> {
    const corrections: Correction[] = [];
    for (const { name } of this.manager.statusAll('*')) {
      if (this.halted) break;
      let outcome: ReconcileOutcome | null;
      try {
        outcome = await this.manager.reconcile(name);
      } catch {
        // Removed by a reload since the list was taken, or retired: nothing to correct.
        continue;
      }
      if (outcome) {
        const correction = { name, ...outcome };
        corrections.push(correction);
        this.onCorrection(correction);
      }
    }
    return corrections;
  }

  private schedule(): void {
    if (!this.running) return;
    const delay = this.intervalMs * (1 - JITTER + 2 * JITTER * this.random());
    this.timer = setTimeout(() => {
      void this.pass()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref?.();
  }
}
