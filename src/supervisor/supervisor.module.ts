import { join } from 'node:path';
import { Global, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppEnv } from '../config/env.validation.js';
import { AGENT_STATS, FILE_SYSTEM, INSTANCE_ID, STORAGE_HEALTH } from '../lifecycle/application/lifecycle.tokens.js';
import type { IStorageHealth } from '../lifecycle/application/ports/storage-health.port.js';
import type { IFileSystem } from '../lifecycle/application/ports/file-system.port.js';
import { ProcessUtils } from '../lifecycle/infrastructure/process-utils.js';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { ProcessManager } from './application/process-manager.service.js';
import { SupervisorBootstrap, type IProcessConfigSource } from './application/supervisor-bootstrap.service.js';
import { SupervisorStats } from './application/supervisor-stats.service.js';
import {
  CHILD_REGISTRY,
  OUTPUT_STORE,
  PROCESS_CONFIG_SOURCE,
  PROCESS_LAUNCHER,
  READINESS_PROBE,
  RECONCILE_INTERVAL,
  STRAY_PROCESS_FINDER,
} from './application/supervisor.tokens.js';
import { dataDirKey, type OwnerMarker } from './infrastructure/owner-marker.js';
import { ProcStrayFinder } from './infrastructure/proc-stray-finder.adapter.js';
import { DESIRED_STATE } from './application/ports/desired-state.port.js';
import { SqliteDesiredStateStore } from './infrastructure/sqlite-desired-state.adapter.js';
import { SQLITE_CONNECTION } from '../persistence/application/database.port.js';
import type { Database } from 'better-sqlite3';
import { JsonChildRegistry } from './infrastructure/json-child-registry.adapter.js';
import { NetReadinessProbe } from './infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from './infrastructure/node-process-launcher.adapter.js';
import { processConfigSource } from './infrastructure/process-config.loader.js';
import { undeclaredNames } from './domain/required-names.js';
import { InvalidProcessConfigError } from './domain/supervisor.errors.js';
import { RotatingOutputStore } from './infrastructure/rotating-output.store.js';
import { ProcessesController } from './presentation/processes.controller.js';

const env = (config: ConfigService) => ({
  dataDir: config.getOrThrow<AppEnv['DATA_DIR']>('DATA_DIR'),
  configPath: config.getOrThrow<AppEnv['PROCESSES_CONFIG']>('PROCESSES_CONFIG'),
  explicit: config.getOrThrow<AppEnv['PROCESSES_CONFIG_EXPLICIT']>('PROCESSES_CONFIG_EXPLICIT'),
});

/** This backend's identity in its children's owner marker. */
const OWNER = Symbol('OwnerMarker');

/**
 * Supervision. The specs it starts with (PROCESS_SPECS) are read and validated before Nest
 * loads, by the bootstrap, and handed in with `processSpecsModule` (process-specs.module.ts):
 * an invalid file is a configuration error (exit 2) that never reaches the app.
 */
@Global()
@Module({
  imports: [LifecycleModule],
  controllers: [ProcessesController],
  providers: [
    {
      // Who this backend is, as every child's marker says: data directory, instance, PID and start time.
      provide: OWNER,
      inject: [ConfigService, INSTANCE_ID],
      useFactory: (config: ConfigService, instanceId: string): Omit<OwnerMarker, 'name'> => ({
        dataDirKey: dataDirKey(env(config).dataDir),
        instanceId,
        backendPid: process.pid,
        // Only /proc's clock-tick count fits the marker; elsewhere (ps's date) it is unknown.
        backendStartTime: /^\d+$/.exec(new ProcessUtils().inspect(process.pid)?.startTime ?? '')?.[0] ?? '0',
      }),
    },
    {
      provide: PROCESS_LAUNCHER,
      inject: [OWNER],
      useFactory: (owner: Omit<OwnerMarker, 'name'>) => new NodeProcessLauncher(new ProcessUtils(), { owner }),
    },
    {
      provide: STRAY_PROCESS_FINDER,
      inject: [OWNER],
      useFactory: (owner: Omit<OwnerMarker, 'name'>) => new ProcStrayFinder(new ProcessUtils(), owner),
    },
    { provide: READINESS_PROBE, useClass: NetReadinessProbe },
    {
      provide: OUTPUT_STORE,
      inject: [ConfigService, STORAGE_HEALTH],
      useFactory: (config: ConfigService, storage: IStorageHealth) => {
        const logger = new Logger('ProcessOutput');
        return new RotatingOutputStore({ dir: join(env(config).dataDir, 'logs'), storage, log: (m) => logger.warn(m) });
      },
    },
    {
      provide: CHILD_REGISTRY,
      inject: [ConfigService, FILE_SYSTEM, STORAGE_HEALTH],
      useFactory: (config: ConfigService, fs: IFileSystem, storage: IStorageHealth) => {
        const logger = new Logger('ChildRegistry');
        return new JsonChildRegistry(join(env(config).dataDir, 'children.json'), fs, (m) => logger.warn(m), storage);
      },
    },
    {
      provide: PROCESS_CONFIG_SOURCE,
      inject: [ConfigService],
      useFactory: (config: ConfigService): IProcessConfigSource => {
        const logger = new Logger('ProcessConfig');
        const envName = config.get<string>('PROCESSES_ENV');
        const source = processConfigSource(env(config).configPath, env(config).explicit, undefined, { envName, warn: (m) => logger.warn(m) });
        const required = config.get<string[]>('READY_REQUIRES') ?? [];
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
      inject: [ConfigService],
      useFactory: (config: ConfigService) => config.getOrThrow<number>('RECONCILE_INTERVAL_MS'),
    },
    ProcessManager,
    SupervisorStats,
    { provide: AGENT_STATS, useExisting: SupervisorStats },
    SupervisorBootstrap,
  ],
  exports: [ProcessManager, AGENT_STATS],
})
export class SupervisorModule {}
