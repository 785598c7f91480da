import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { IInstanceLockManager } from '../application/ports/instance-lock-manager.port.js';
import type { ProcessLock } from '../domain/process-lock.value-object.js';

/** The lock is taken in main.ts before Nest loads; the module only hands it to the app. */
export interface InfrastructureModuleOptions {
  readonly lockManager: IInstanceLockManager;
  readonly lock: ProcessLock;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<InfrastructureModuleOptions>().setClassMethodName('forRoot').build();
