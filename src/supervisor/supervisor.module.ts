import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppEnv } from '../config/env.validation.js';
import { AGENT_STATS, FILE_SYSTEM } from '../lifecycle/application/lifecycle.tokens.js';
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
} from './application/supervisor.tokens.js';
import { DESIRED_STATE } from './application/ports/desired-state.port.js';
import { SqliteDesiredStateStore } from './infrastructure/sqlite-desired-state.adapter.js';
import { SQLITE_CONNECTION } from '../persistence/application/database.port.js';
import type { Database } from 'better-sqlite3';
import { JsonChildRegistry } from './infrastructure/json-child-registry.adapter.js';
import { NetReadinessProbe } from './infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from './infrastructure/node-process-launcher.adapter.js';
import { processConfigSource } from './infrastructure/process-config.loader.js';
import { RotatingOutputStore } from './infrastructure/rotating-output.store.js';
import { ProcessesController } from './presentation/processes.controller.js';

const env = (config: ConfigService) => ({
  dataDir: config.getOrThrow<AppEnv['DATA_DIR']>('DATA_DIR'),
  configPath: config.getOrThrow<AppEnv['PROCESSES_CONFIG']>('PROCESSES_CONFIG'),
  explicit: config.getOrThrow<AppEnv['PROCESSES_CONFIG_EXPLICIT']>('PROCESSES_CONFIG_EXPLICIT'),
});

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
    { provide: PROCESS_LAUNCHER, useFactory: () => new NodeProcessLauncher(new ProcessUtils()) },
    { provide: READINESS_PROBE, useClass: NetReadinessProbe },
    {
      provide: OUTPUT_STORE,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => new RotatingOutputStore({ dir: join(env(config).dataDir, 'logs') }),
    },
    {
      provide: CHILD_REGISTRY,
      inject: [ConfigService, FILE_SYSTEM],
      useFactory: (config: ConfigService, fs: IFileSystem) => new JsonChildRegistry(join(env(config).dataDir, 'children.json'), fs),
    },
    {
      provide: PROCESS_CONFIG_SOURCE,
      inject: [ConfigService],
      useFactory: (config: ConfigService): IProcessConfigSource => processConfigSource(env(config).configPath, env(config).explicit),
    },
    { provide: DESIRED_STATE, inject: [SQLITE_CONNECTION], useFactory: (db: Database) => new SqliteDesiredStateStore(db) },
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
