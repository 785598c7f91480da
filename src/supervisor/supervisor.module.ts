import { join, resolve } from 'node:path';
import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../config/settings.js';
import { procguardContext } from '../module/procguard-context.js';
import { AGENT_STATS, FILE_SYSTEM, INSTANCE_ID, INSTANCE_LOCK_MANAGER, STORAGE_HEALTH } from '../lifecycle/application/lifecycle.tokens.js';
import type { IInstanceLockManager } from '../lifecycle/application/ports/instance-lock-manager.port.js';
import type { IStorageHealth } from '../lifecycle/application/ports/storage-health.port.js';
import type { IFileSystem } from '../lifecycle/application/ports/file-system.port.js';
import { ProcessUtils } from '../lifecycle/infrastructure/process-utils.js';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { ProcessManager } from './application/process-manager.service.js';
import { ReloadOutcomes } from './application/reload-outcomes.js';
import { SupervisorBootstrap, type IProcessConfigSource } from './application/supervisor-bootstrap.service.js';
import { SupervisorStats } from './application/supervisor-stats.service.js';
import {
  CHILD_REGISTRY,
  CRON_SCHEDULER,
  FILE_WATCHER,
  OUTPUT_STORE,
  PROCESS_CONFIG_SOURCE,
  PROCESS_LAUNCHER,
  PROBE_OBSERVATIONS,
  PROCESS_SPECS,
  READINESS_PROBE,
  RECONCILE_INTERVAL,
  RESOURCE_SAMPLER,
  STRAY_PROCESS_FINDER,
} from './application/supervisor.tokens.js';
import type { IProcessLauncher } from './application/ports/process-launcher.port.js';
import { ProbeObservations } from './application/probe-observations.js';
import { ResourceSampler } from './application/resource-sampler.js';
import { ProcGroupUsageReader } from './infrastructure/proc-group-usage.reader.js';
import { dataDirKey, type OwnerMarker } from './infrastructure/owner-marker.js';
import { ProcStrayFinder } from './infrastructure/proc-stray-finder.adapter.js';
import { DESIRED_STATE } from './application/ports/desired-state.port.js';
import { SqliteDesiredStateStore } from './infrastructure/sqlite-desired-state.adapter.js';
import { SQLITE_CONNECTION } from '../persistence/application/database.port.js';
import type { Database } from 'better-sqlite3';
import { JsonChildRegistry } from './infrastructure/json-child-registry.adapter.js';
import { CronerScheduler } from './infrastructure/croner-scheduler.adapter.js';
import { ChokidarFileWatcher } from './infrastructure/chokidar-file-watcher.adapter.js';
import { NetReadinessProbe } from './infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from './infrastructure/node-process-launcher.adapter.js';
import { processConfigSource } from './infrastructure/process-config.loader.js';
import { undeclaredNames } from './domain/required-names.js';
import { InvalidProcessConfigError } from './domain/supervisor.errors.js';
import { LogWriterStore } from './infrastructure/log-writer/log-writer.store.js';
import { LogStreamsRegistry } from './presentation/log-streams.registry.js';
import { ReloadController } from './presentation/reload.controller.js';
import { ProcessesController } from './presentation/processes.controller.js';

/** This backend's identity in its children's owner marker. */
const OWNER = Symbol('OwnerMarker');

const providers: Provider[] = [
    {
      // Who this backend is, as every child's marker says: data directory, instance, PID and start time.
      provide: OWNER,
      inject: [SETTINGS, INSTANCE_ID],
      useFactory: (settings: ProcguardSettings, instanceId: string): Omit<OwnerMarker, 'name'> => ({
        dataDirKey: dataDirKey(settings.DATA_DIR),
        instanceId,
        backendPid: process.pid,
        // Only /proc's clock-tick count fits the marker; elsewhere (ps's date) it is unknown.
        backendStartTime: /^\d+$/.exec(new ProcessUtils().inspect(process.pid)?.startTime ?? '')?.[0] ?? '0',
      }),
    },
    {
      provide: PROCESS_LAUNCHER,
      inject: [OWNER, INSTANCE_LOCK_MANAGER, OUTPUT_STORE],
      useFactory: (owner: Omit<OwnerMarker, 'name'>, lock: IInstanceLockManager, output: LogWriterStore) =>
        new NodeProcessLauncher(new ProcessUtils(), { owner, refusal: () => standbyRefusal(lock), output }),
    },
    {
      provide: STRAY_PROCESS_FINDER,
      inject: [OWNER],
      useFactory: (owner: Omit<OwnerMarker, 'name'>) => new ProcStrayFinder(new ProcessUtils(), owner),
    },
    {
      // One /proc pass per tick for every instance: the status's resources, max_memory_restart, the metrics.
      provide: RESOURCE_SAMPLER,
      inject: [PROCESS_LAUNCHER],
      useFactory: (launcher: IProcessLauncher) => {
        const logger = new Logger('ResourceSampler');
        const helpers = launcher instanceof NodeProcessLauncher ? () => launcher.helperPids() : undefined;
        return new ResourceSampler(new ProcGroupUsageReader({ exclude: helpers }), {
          onError: (error) => logger.warn(`Sampling CPU and memory failed: ${(error as Error).message}`),
        });
      },
    },
    { provide: PROBE_OBSERVATIONS, useFactory: () => new ProbeObservations() },
    { provide: READINESS_PROBE, useClass: NetReadinessProbe },
    { provide: CRON_SCHEDULER, useFactory: () => new CronerScheduler() },
    {
      provide: FILE_WATCHER,
      inject: [SETTINGS],
      useFactory: (settings: ProcguardSettings) => new ChokidarFileWatcher({ alwaysIgnored: [resolve(settings.DATA_DIR)] }),
    },
    {
      provide: OUTPUT_STORE,
      inject: [SETTINGS, STORAGE_HEALTH],
      useFactory: (settings: ProcguardSettings, storage: IStorageHealth) => {
        const logger = new Logger('ProcessOutput');
        return new LogWriterStore({
          dir: join(settings.DATA_DIR, 'logs'),
          maxBytes: settings.PROCESS_LOG_MAX_BYTES,
          keepFiles: settings.PROCESS_LOG_FILES,
          storage,
          log: (m) => logger.warn(m),
        });
      },
    },
    {
      provide: CHILD_REGISTRY,
      inject: [SETTINGS, FILE_SYSTEM, STORAGE_HEALTH],
      useFactory: (settings: ProcguardSettings, fs: IFileSystem, storage: IStorageHealth) => {
        const logger = new Logger('ChildRegistry');
        return new JsonChildRegistry(join(settings.DATA_DIR, 'children.json'), fs, (m) => logger.warn(m), storage);
      },
    },
    {
      provide: PROCESS_CONFIG_SOURCE,
      inject: [SETTINGS],
      useFactory: (settings: ProcguardSettings): IProcessConfigSource => {
        const logger = new Logger('ProcessConfig');
        const source = processConfigSource(settings.PROCESSES_CONFIG, settings.PROCESSES_CONFIG_EXPLICIT, undefined, {
          envName: settings.PROCESSES_ENV,
          warn: (m) => logger.warn(m),
        });
        const required = settings.READY_REQUIRES;
        // A reload that drops a name readiness waits for would hold it at 503 for ever:
        // the file is refused as a whole, as it is at start (there: exit 2).
        const load = async () => {
          const specs = await source.load();
          const problems = undeclaredNames('READY_REQUIRES', required, specs);
          if (problems.length > 0) throw new InvalidProcessConfigError(source.path, problems);
          return specs;
        };
        return { path: source.path, load };
      },
    },
    {
      provide: DESIRED_STATE,
      inject: [SQLITE_CONNECTION, STORAGE_HEALTH],
      useFactory: (db: Database, storage: IStorageHealth) => new SqliteDesiredStateStore(db, storage),
    },
    {
      provide: RECONCILE_INTERVAL,
      inject: [SETTINGS],
      useFactory: (settings: ProcguardSettings) => settings.RECONCILE_INTERVAL_MS,
    },
    {
      // bootstrap() read and checked the file before Nest loaded (a mistake exits 2 there);
      // only when the module's options name another file (forRootAsync) is it read here.
      provide: PROCESS_SPECS,
      inject: [SETTINGS, PROCESS_CONFIG_SOURCE],
      useFactory: async (settings: ProcguardSettings, source: IProcessConfigSource) => {
        const checked = procguardContext().specs;
        return Object.freeze([...(checked?.path === settings.PROCESSES_CONFIG ? checked.specs : await source.load())]);
      },
    },
    ProcessManager,
    SupervisorStats,
    { provide: AGENT_STATS, useExisting: SupervisorStats },
    SupervisorBootstrap,
    ReloadOutcomes,
];

/**
 * Supervision of the agents the process config declares, with the `/processes` routes
 * when `routes` is set. The specs come checked from bootstrap() (PROCESS_SPECS).
 */
@Module({})
export class SupervisorModule {
  static register(options: { readonly routes: boolean }): DynamicModule {
    return {
      module: SupervisorModule,
      // Global: health's agents indicator and the history find the manager without importing supervision.
      global: true,
      imports: [LifecycleModule],
      controllers: options.routes ? [ProcessesController, ReloadController] : [],
      providers: options.routes ? [...providers, LogStreamsRegistry] : providers,
      exports: [ProcessManager, AGENT_STATS, ReloadOutcomes, RESOURCE_SAMPLER, PROBE_OBSERVATIONS],
    };
  }
}

/** A host that does not hold the shared lock (a standby, or one that lost it) starts no agent. */
function standbyRefusal(lock: IInstanceLockManager): string | null {
  const status = lock.status?.();
  if (!status || status.role === 'active') return null;
  return `this host is ${status.role === 'standby' ? 'a standby' : 'no longer active'} for the lock "${status.key}": it starts no agent`;
}
