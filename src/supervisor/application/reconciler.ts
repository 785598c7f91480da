import type { ProcessManager } from './process-manager.service.js';

export interface Correction {
  readonly name: string;
  readonly action: 'start' | 'stop' | 'restart';
  readonly reason: string;
}

const JITTER = 0.2;

/**
 * Periodically makes the world match the desired state: starts what should run
 * and is stopped, stops what should not run, restarts an instance whose PID no
 * longer has its recorded start time. It never looks at processes it did not
 * start, so nothing foreign is ever adopted. Passes never overlap: the next one
 * is scheduled when the last has finished.
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
    for (const status of this.manager.statusAll('*')) {
      if (this.halted) break;
      const desired = this.manager.desiredOf(status.name);
      const live = status.state === 'running' || status.state === 'starting';
      let correction: Correction | null = null;
      if (live && !this.manager.identityHolds(status.name)) {
        correction = { name: status.name, action: 'restart', reason: `reconciler: PID ${status.pid} is no longer the process it started` };
        await this.manager.restart(status.name);
      } else if (desired === 'running' && status.state === 'stopped') {
        correction = { name: status.name, action: 'start', reason: 'reconciler: desired running, found stopped' };
        await this.manager.start(status.name, correction.reason);
      } else if (desired === 'stopped' && (live || status.state === 'backoff')) {
        correction = { name: status.name, action: 'stop', reason: `reconciler: desired stopped, found ${status.state}` };
        await this.manager.stop(status.name, undefined, correction.reason);
      }
      if (correction) {
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
