import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../../lifecycle/application/shutdown-sequence.js';
import type { ProcessSpec } from '../domain/process-spec.js';
import { OrphanReaper } from './orphan-reaper.js';
import type { IChildRegistry } from './ports/child-registry.port.js';
import type { IOutputStore } from './ports/output-store.port.js';
import type { IStrayProcessFinder } from './ports/stray-process-finder.port.js';
import { ProcessManager, type ReloadReport } from './process-manager.service.js';
import { Reconciler } from './reconciler.js';
import { ReloadOutcomes, type ReloadOutcome, type ReloadSource } from './reload-outcomes.js';
import {
  CHILD_REGISTRY,
  OUTPUT_STORE,
  PROCESS_CONFIG_SOURCE,
  PROCESS_SPECS,
  RECONCILE_INTERVAL,
  STRAY_PROCESS_FINDER,
} from './supervisor.tokens.js';

/** Reads the process config again; rejects with InvalidProcessConfigError. */
export interface IProcessConfigSource {
  readonly path: string;
  /** Async: a JavaScript ecosystem file is evaluated in a child process, not in this one. */
  load(): Promise<ProcessSpec[]>;
}

/**
 * Brings supervision up in a fixed order. While the app is built (before the
 * port is bound): reap what a crashed predecessor left, declare, and hook into
 * shutdown (stop agents before the database closes) and SIGHUP (reload the
 * config). Only once the server listens (a start-up hook, skipped when a
 * shutdown has begun): start everything and the reconciler.
 */
@Injectable()
export class SupervisorBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Supervisor');
  /** The reload pass under way, if any; SIGHUPs during it ask for one more pass. */
  private reloading: Promise<void> | null = null;
  private reloadRequested = false;
  /** Who asked for the next pass: the latest request names it. */
  private requestedBy: ReloadSource = 'SIGHUP';

  constructor(
    private readonly manager: ProcessManager,
    private readonly lifecycle: ApplicationLifecycleService,
    @Inject(PROCESS_SPECS) private readonly specs: ProcessSpec[],
    @Inject(PROCESS_CONFIG_SOURCE) private readonly source: IProcessConfigSource,
    @Inject(CHILD_REGISTRY) private readonly registry: IChildRegistry,
    @Inject(STRAY_PROCESS_FINDER) private readonly strays: IStrayProcessFinder,
    @Inject(OUTPUT_STORE) private readonly output: IOutputStore,
    @Inject(RECONCILE_INTERVAL) private readonly reconcileIntervalMs: number,
    private readonly outcomes: ReloadOutcomes,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const reaped = await new OrphanReaper(this.registry, this.strays).reap();
    for (const r of reaped) {
      const level = r.result === 'stopped' || r.result === 'killed' ? 'warn' : 'log';
      this.logger[level](`Orphan of a previous instance: ${r.name} (pid ${r.pid}): ${r.result}`);
    }
    this.manager.declare(this.specs);
    const reconciler = new Reconciler(this.manager, this.reconcileIntervalMs, (c) =>
      this.logger.warn(`${c.name}: ${c.reason} (${c.action})`),
    );
    this.lifecycle.registerShutdownStep({
      name: 'stop agents',
      order: SHUTDOWN_ORDER.stopAgents,
      run: async () => {
        // First, so no correction restarts what shutdown is stopping.
        reconciler.stop();
        await this.manager.shutdown();
        await this.output.close();
      },
    });
    this.lifecycle.registerEmergencyStop('agents', () => this.manager.killAllNow());
    this.lifecycle.registerReloadHandler('process config', async () => {
      await this.reload('SIGHUP');
    });
    if (this.specs.length === 0) this.logger.log(`No processes declared (${this.source.path})`);
    this.lifecycle.registerStartupHook('start agents', async () => {
      await this.manager.startAll('*', { atStartup: true });
      // A shutdown that began meanwhile has already stopped the reconciler: keep it stopped.
      if (this.lifecycle.currentState === 'starting') reconciler.start();
    });
  }

  /**
   * Coalesces: a request while a pass runs makes one more pass after it, which
   * reads the file again, so however many SIGHUPs arrive the last file read
   * wins. Resolves when the file as it was at the call (or later) is applied,
   * with the outcome of the last pass.
   */
  async reload(source: ReloadSource = 'SIGHUP'): Promise<ReloadOutcome> {
    this.reloadRequested = true;
    this.requestedBy = source;
    this.reloading ??= this.reloadUntilSettled().finally(() => {
      this.reloading = null;
    });
    await this.reloading;
    return this.outcomes.last!;
  }

  private async reloadUntilSettled(): Promise<void> {
    while (this.reloadRequested) {
      this.reloadRequested = false;
      await this.reloadOnce();
    }
  }

  /** An invalid new file is rejected as a whole; the running set stays as it is. */
  private async reloadOnce(): Promise<void> {
    const source = this.requestedBy;
    const failed = (error: string): ReloadOutcome => ({
      at: new Date().toISOString(),
      source,
      ok: false,
      started: [],
      stopped: [],
      restarted: [],
      unchanged: this.manager.statusAll('*').length,
      error,
    });
    let specs: ProcessSpec[];
    try {
      specs = await this.source.load();
    } catch (error) {
      this.logger.error(`Reload rejected, keeping the running processes: ${(error as Error).message}`);
      const message = (error as Error).message;
      // The config errors name the file already; others get it added.
      this.outcomes.record(failed(message.includes(this.source.path) ? message : `${this.source.path} rejected: ${message}`));
      return;
    }
    let r: ReloadReport;
    try {
      r = await this.manager.reload(specs);
    } catch (error) {
      this.logger.error(`Reload of ${this.source.path} not completed: ${(error as Error).message}`);
      this.outcomes.record(failed(`reload of ${this.source.path} not completed: ${(error as Error).message}`));
      return;
    }
    this.logger.log(
      `Reloaded ${this.source.path}: started [${r.started.join(', ')}], stopped [${r.stopped.join(', ')}], ` +
        `restarted [${r.restarted.join(', ')}], unchanged [${r.unchanged.join(', ')}]`,
    );
    this.outcomes.record({
      at: new Date().toISOString(),
      source,
      ok: true,
      started: r.started,
      stopped: r.stopped,
      restarted: r.restarted,
      unchanged: r.unchanged.length,
    });
  }
}
