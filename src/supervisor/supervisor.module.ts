import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Global, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppEnv } from '../config/env.validation.js';
import { AGENT_STATS, FILE_SYSTEM, STORAGE_HEALTH } from '../lifecycle/application/lifecycle.tokens.js';
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
  PROCESS_SPECS,
  READINESS_PROBE,
  RECONCILE_INTERVAL,
} from './application/supervisor.tokens.js';
import { DESIRED_STATE } from './application/ports/desired-state.port.js';
import { SqliteDesiredStateStore } from './infrastructure/sqlite-desired-state.adapter.js';
import { SQLITE_CONNECTION } from '../persistence/application/database.port.js';
import type { Database } from 'better-sqlite3';
import { JsonChildRegistry } from './infrastructure/json-child-registry.adapter.js';
import { NetReadinessProbe } from './infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from './infrastructure/node-process-launcher.adapter.js';
import { loadProcessConfig } from './infrastructure/process-config.loader.js';
import { RotatingOutputStore } from './infrastructure/rotating-output.store.js';
import { ProcessesController } from './presentation/processes.controller.js';

const env = (config: ConfigService) => ({
  dataDir: config.getOrThrow<AppEnv['DATA_DIR']>('DATA_DIR'),
  configPath: config.getOrThrow<AppEnv['PROCESSES_CONFIG']>('PROCESSES_CONFIG'),
  explicit: config.getOrThrow<AppEnv['PROCESSES_CONFIG_EXPLICIT']>('PROCESSES_CONFIG_EXPLICIT'),
});

@Global()
@Module({
  imports: [LifecycleModule],
  controllers: [ProcessesController],
  providers: [
    { provide: PROCESS_LAUNCHER, useFactory: () => new NodeProcessLauncher(new ProcessUtils()) },
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
        const { configPath, explicit } = env(config);
        return {
          path: configPath,
          // The default file is optional; a file the operator named must exist.
          load: () => (!explicit && !existsSync(configPath) ? [] : loadProcessConfig(configPath, process.cwd())),
        };
      },
    },
    {
      // Validated while the app is built: an invalid file stops start-up before any process starts.
      provide: PROCESS_SPECS,
      inject: [PROCESS_CONFIG_SOURCE],
      useFactory: (source: IProcessConfigSource) => source.load(),
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
