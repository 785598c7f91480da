import { randomUUID } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import {
  FILE_SYSTEM,
  HELD_LOCK,
  INSTANCE_ID,
  INSTANCE_LOCK_MANAGER,
  PROCESS_RUNTIME,
  STORAGE_HEALTH,
} from '../application/lifecycle.tokens.js';
import { StorageHealth } from '../application/storage-health.service.js';
import {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  type InfrastructureModuleOptions,
} from './infrastructure.module-definition.js';
import { NodeFileSystem } from './node-file-system.adapter.js';
import { NodeProcessRuntime } from './node-process-runtime.adapter.js';

/** Wires the lifecycle ports to their Node adapters and to the lock main.ts already holds. */
@Global()
@Module({
  providers: [
    { provide: FILE_SYSTEM, useClass: NodeFileSystem },
    { provide: PROCESS_RUNTIME, useClass: NodeProcessRuntime },
    { provide: STORAGE_HEALTH, useFactory: () => new StorageHealth() },
    {
      provide: INSTANCE_LOCK_MANAGER,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: InfrastructureModuleOptions) => options.lockManager,
    },
    {
      provide: HELD_LOCK,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: InfrastructureModuleOptions) => options.lock,
    },
    {
      // A dev session's lock names the session; each app it runs gets an id of its own.
      provide: INSTANCE_ID,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: InfrastructureModuleOptions) =>
        options.lock.pid === process.pid ? options.lock.instanceId : randomUUID(),
    },
  ],
  exports: [FILE_SYSTEM, PROCESS_RUNTIME, STORAGE_HEALTH, INSTANCE_LOCK_MANAGER, HELD_LOCK, INSTANCE_ID],
})
export class InfrastructureModule extends ConfigurableModuleClass {}
