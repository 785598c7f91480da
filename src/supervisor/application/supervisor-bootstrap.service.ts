import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../../lifecycle/application/shutdown-sequence.js';
import type { ProcessSpec } from '../domain/process-spec.js';
import { OrphanReaper } from './orphan-reaper.js';
import type { IChildRegistry } from './ports/child-registry.port.js';
import type { IOutputStore } from './ports/output-store.port.js';
import type { IStrayProcessFinder } from './ports/stray-process-finder.port.js';
import { ProcessManager } from './process-manager.service.js';
import { Reconciler } from './reconciler.js';
import {
  CHILD_REGISTRY,
  OUTPUT_STORE,
  PROCESS_CONFIG_SOURCE,
  PROCESS_SPECS,
  RECONCILE_INTERVAL,
  STRAY_PROCESS_FINDER,
} from './supervisor.tokens.js';

/** Reads the process config again; throws InvalidProcessConfigError. */
export interface IProcessConfigSource {
  readonly path: string;
  load(): ProcessSpec[];
}

/**
 * Brings supervision up in a fixed order once the app is built: reap what a
 * crashed predecessor left, declare, start everything, and hook into shutdown
 * (stop agents before the database closes) and SIGHUP (reload the config).
 */
@Injectable()
export class SupervisorBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Supervisor');

  constructor(
    private readonly manager: ProcessManager,
    private readonly lifecycle: ApplicationLifecycleService,
    @Inject(PROCESS_SPECS) private readonly specs: ProcessSpec[],
    @Inject(PROCESS_CONFIG_SOURCE) private readonly source: IProcessConfigSource,
    @Inject(CHILD_REGISTRY) private readonly registry: IChildRegistry,
    @Inject(STRAY_PROCESS_FINDER) private readonly strays: IStrayProcessFinder,
    @Inject(OUTPUT_STORE) private readonly output: IOutputStore,
    @Inject(RECONCILE_INTERVAL) private readonly reconcileIntervalMs: number,
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
    this.lifecycle.registerReloadHandler('process config', () => this.reload());
    if (this.specs.length === 0) this.logger.log(`No processes declared (${this.source.path})`);
    await this.manager.startAll();
    reconciler.start();
  }

  /** An invalid new file is rejected as a whole; the running set stays as it is. */
  async reload(): Promise<void> {
    let specs: ProcessSpec[];
    try {
      specs = this.source.load();
    } catch (error) {
      this.logger.error(`Reload rejected, keeping the running processes: ${(error as Error).message}`);
      return;
    }
    const r = await this.manager.reload(specs);
    this.logger.log(
      `Reloaded ${this.source.path}: started [${r.started.join(', ')}], stopped [${r.stopped.join(', ')}], ` +
        `restarted [${r.restarted.join(', ')}], unchanged [${r.unchanged.join(', ')}]`,
    );
  }
}
