import { Inject, Injectable, Logger } from '@nestjs/common';
import { InstanceMetadata } from '../domain/instance-metadata.value-object.js';
import { ProcessState, type LifecycleState } from '../domain/process-state.entity.js';
import { INSTANCE_ID, INSTANCE_LOCK_MANAGER, PROCESS_RUNTIME } from './lifecycle.tokens.js';
import type { IInstanceLockManager } from './ports/instance-lock-manager.port.js';
import type { IProcessRuntime } from './ports/process-runtime.port.js';
import { runShutdownSteps, SHUTDOWN_ORDER, type ShutdownStep, type StepOutcome } from './shutdown-sequence.js';

export interface ShutdownReport {
  readonly reason: string;
  readonly ok: boolean;
  readonly steps: readonly StepOutcome[];
}

/**
 * Owns the instance's lifecycle once the lock is held: the state machine that
 * readiness reads, the ordered shutdown steps, and what health says about us.
 */
@Injectable()
export class ApplicationLifecycleService {
  private readonly logger = new Logger('Lifecycle');
  private readonly state: ProcessState;
  private readonly steps: ShutdownStep[] = [];
  private readonly emergencyStops: { name: string; stop: () => void }[] = [];
  private readonly reloadHandlers: { name: string; handler: () => Promise<void> }[] = [];
  private readonly startupHooks: { name: string; run: () => Promise<void> }[] = [];
  private startupPromise: Promise<void> | null = null;
  private shutdownPromise: Promise<ShutdownReport> | null = null;
  private readonly startedAt: string;

  constructor(
    @Inject(INSTANCE_LOCK_MANAGER) private readonly lockManager: IInstanceLockManager,
    @Inject(PROCESS_RUNTIME) private readonly runtime: IProcessRuntime,
    @Inject(INSTANCE_ID) readonly instanceId: string,
  ) {
    const now = runtime.now();
    this.state = new ProcessState(now);
    this.startedAt = new Date(now.getTime() - runtime.uptimeSeconds() * 1000).toISOString();
    this.registerShutdownStep({
      name: 'release instance lock',
      order: SHUTDOWN_ORDER.releaseLock,
      run: () => this.lockManager.releaseLock(),
    });
  }

  get currentState(): LifecycleState {
    return this.state.value;
  }

  get isReady(): boolean {
    return this.state.isReady;
  }

  registerShutdownStep(step: ShutdownStep): void {
    this.steps.push(step);
  }

  /** Synchronous last-resort work for a forced exit (e.g. SIGKILL child groups). */
  registerEmergencyStop(name: string, stop: () => void): void {
    this.emergencyStops.push({ name, stop });
  }

  /** Runs every emergency stop; used when shutdown is forced and no promise will run. */
  emergencyStop(): void {
    for (const { name, stop } of this.emergencyStops) {
      try {
        stop();
      } catch (error) {
        this.logger.error(`Emergency stop of ${name} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Work to redo on SIGHUP (re-reading config); never shuts anything down. */
  registerReloadHandler(name: string, handler: () => Promise<void>): void {
    this.reloadHandlers.push({ name, handler });
  }

  /** Runs every reload handler; a failing one is logged and the others still run. */
  async reload(): Promise<void> {
    if (!this.state.isReady) {
      this.logger.warn(`Reload ignored while ${this.state.value}`);
      return;
    }
    for (const { name, handler } of this.reloadHandlers) {
      try {
        await handler();
      } catch (error) {
        this.logger.error(`Reload of ${name} failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Work that may only begin once the server listens (starting agents), so a
   * port that is taken, or a signal during boot, ends start-up before it runs.
   */
  registerStartupHook(name: string, run: () => Promise<void>): void {
    this.startupHooks.push({ name, run });
  }

  /**
   * Call once the server listens: runs the start-up hooks in order, then marks
   * the instance ready. Once shutdown has begun it runs no further hook.
   * Idempotent: a second call returns the start-up already under way.
   * @throws the first hook's error; the instance then stays not ready.
   */
  startup(): Promise<void> {
    this.startupPromise ??= this.runStartup();
    return this.startupPromise;
  }

  private async runStartup(): Promise<void> {
    for (const hook of this.startupHooks) {
      if (this.shutdownPromise) break;
      await hook.run();
    }
    if (this.shutdownPromise) {
      this.logger.warn('Start-up cut short: shutdown has begun');
      return;
    }
    if (this.state.transitionTo('running', this.runtime.now())) {
      this.logger.log(`Instance ${this.instanceId} running as PID ${this.runtime.pid}`);
    }
  }

  /**
   * Runs the shutdown steps in order within `timeoutMs`. Idempotent: a second
   * call returns the shutdown already under way.
   */
  shutdown(reason: string, timeoutMs: number): Promise<ShutdownReport> {
    if (this.shutdownPromise) {
      this.logger.warn(`Already shutting down; ignoring "${reason}"`);
      return this.shutdownPromise;
    }
    this.state.transitionTo('stopping', this.runtime.now());
    this.logger.log(`Shutting down (${reason})`);
    const deadline = Date.now() + timeoutMs;
    this.shutdownPromise = runShutdownSteps(this.steps, deadline).then((steps) => {
      this.state.transitionTo('stopped', this.runtime.now());
      for (const step of steps) {
        if (step.ok) this.logger.log(`Shutdown step "${step.name}" done in ${step.ms} ms`);
        else this.logger.error(`Shutdown step "${step.name}" failed: ${step.error}`);
      }
      return { reason, ok: steps.every((s) => s.ok), steps };
    });
    return this.shutdownPromise;
  }

  getInstanceMetadata(): InstanceMetadata {
    const now = this.runtime.now();
    const uptime = this.runtime.uptimeSeconds();
    return InstanceMetadata.create({
      pid: this.runtime.pid,
      instanceId: this.instanceId,
      state: this.state.value,
      startedAt: this.startedAt,
      uptime,
      memoryUsage: this.runtime.memoryUsage(),
      nodeVersion: this.runtime.nodeVersion,
      timestamp: now.toISOString(),
    });
  }
}
