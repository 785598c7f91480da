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
import { procguardContext } from '../../module/procguard-context.js';
import { NodeFileSystem } from './node-file-system.adapter.js';
import { NodeProcessRuntime } from './node-process-runtime.adapter.js';

/** Wires the lifecycle ports to their Node adapters and to the lock bootstrap() already holds. */
@Global()
@Module({
  providers: [
    { provide: FILE_SYSTEM, useClass: NodeFileSystem },
    { provide: PROCESS_RUNTIME, useClass: NodeProcessRuntime },
    { provide: STORAGE_HEALTH, useFactory: () => new StorageHealth() },
    { provide: INSTANCE_LOCK_MANAGER, useFactory: () => procguardContext().lockManager },
    { provide: HELD_LOCK, useFactory: () => procguardContext().lock },
    {
      // A dev session's lock names the session; each app it runs gets an id of its own.
      provide: INSTANCE_ID,
      useFactory: () => {
        const { lock } = procguardContext();
        return lock.pid === process.pid ? lock.instanceId : randomUUID();
      },
    },
  ],
  exports: [FILE_SYSTEM, PROCESS_RUNTIME, STORAGE_HEALTH, INSTANCE_LOCK_MANAGER, HELD_LOCK, INSTANCE_ID],
})
export class InfrastructureModule {}
