import { Injectable } from '@nestjs/common';
import { ApplicationLifecycleService } from '../lifecycle/application/application-lifecycle.service.js';
import type { InstanceMetadata } from '../lifecycle/domain/instance-metadata.value-object.js';
import type { LifecycleState } from '../lifecycle/domain/process-state.entity.js';
import { SHUTDOWN_ORDER } from '../lifecycle/application/shutdown-sequence.js';

/** A step of the host's own in graceful shutdown. */
export interface HostShutdownStep {
  /** Shown in the shutdown log ("Shutdown step "<name>" done in 12 ms"). */
  readonly name: string;
  /**
   * Where it runs among procguard's steps (lower first; see {@link SHUTDOWN_ORDER}).
   * Default `SHUTDOWN_ORDER.hostDefault`: after the HTTP drain and the agents, before
   * the Nest app and the database close.
   */
  readonly order?: number;
  /** Upper bound for this step alone, ms; the overall shutdown deadline still applies. */
  readonly timeoutMs?: number;
  run(): Promise<void> | void;
}

/**
 * The instance's lifecycle as the host app sees it: its state, who it is, and a place
 * for the host's own shutdown work. Injectable anywhere once `ProcguardModule` is imported.
 */
@Injectable()
export class ProcguardLifecycle {
  constructor(private readonly lifecycle: ApplicationLifecycleService) {}

  /** `starting` until the server listens and agents are up, then `running`, `stopping`, `stopped`. */
  get state(): LifecycleState {
    return this.lifecycle.currentState;
  }

  /** What `/health/ready` says: true only while running. */
  get isReady(): boolean {
    return this.lifecycle.isReady;
  }

  /** pid, instance id, state, start time, uptime, memory: what health shows. */
  metadata(): InstanceMetadata {
    return this.lifecycle.getInstanceMetadata();
  }

  /**
   * Adds a step to graceful shutdown. Steps run one at a time in `order`; a step that
   * throws or overruns is logged, makes the exit code 1, and never skips the next one.
   */
  addShutdownStep(step: HostShutdownStep): void {
    if (typeof step.name !== 'string' || step.name.trim() === '') throw new TypeError('addShutdownStep: name must be a non-empty string');
    if (typeof step.run !== 'function') throw new TypeError(`addShutdownStep "${step.name}": run must be a function`);
    const order = step.order ?? SHUTDOWN_ORDER.hostDefault;
    if (!Number.isFinite(order)) throw new TypeError(`addShutdownStep "${step.name}": order must be a number`);
    if (step.timeoutMs !== undefined && !(step.timeoutMs > 0)) throw new TypeError(`addShutdownStep "${step.name}": timeoutMs must be a positive number`);
    this.lifecycle.registerShutdownStep({ name: step.name, order, timeoutMs: step.timeoutMs, run: () => step.run() });
  }
}
