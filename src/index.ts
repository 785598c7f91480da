/**
 * procguard: one instance per data directory, a clear refusal for a duplicate, graceful
 * shutdown that loses no request, a truthful health endpoint, and supervised child
 * processes that are never orphaned, for any Nest app.
 *
 * This file is the whole public API; everything else in the package may change freely.
 *
 * ```ts
 * // main.ts (from 'procguard/bootstrap': the same function, with no Nest loaded before the lock)
 * import { bootstrap } from 'procguard/bootstrap';
 * void bootstrap({ module: () => import('./app.module.js') });
 *
 * // app.module.ts
 * import { ProcguardModule } from 'procguard';
 * @Module({ imports: [ProcguardModule.forRoot()], controllers: [AppController] })
 * export class AppModule {}
 * ```
 * @packageDocumentation
 */

export { bootstrap } from './bootstrap/bootstrap.js';
export type { BootstrapOptions, HttpPlatformName } from './bootstrap/bootstrap-options.js';

export { ProcguardModule } from './module/procguard.module.js';
export type { ProcguardModuleOptions, ProcguardFeatures } from './module/procguard-module.options.js';
export { ProcguardLifecycle, type HostShutdownStep } from './module/procguard-lifecycle.service.js';
export { ProcguardSupervisor } from './module/procguard-supervisor.service.js';
export { ProcguardHealthIndicators } from './lifecycle/presentation/procguard-health.indicators.js';
export { SHUTDOWN_ORDER } from './lifecycle/application/shutdown-sequence.js';
export { EXIT as EXIT_CODES } from './exit-codes.js';

export type { ProcessStatus, ExitInfo } from './supervisor/application/process-status.js';
export type { RollOutcome } from './supervisor/application/rolling-restart.js';
export type { ResourceUsage } from './supervisor/application/resource-sampler.js';
export type { ManagedState } from './supervisor/domain/managed-process-state.js';
export type { InstanceMetadata } from './lifecycle/domain/instance-metadata.value-object.js';
export type { LifecycleState } from './lifecycle/domain/process-state.entity.js';
export type { ProcessLock } from './lifecycle/domain/process-lock.value-object.js';

// Errors a host may catch (each has a stable `code`).
export { ProcguardOptionsError } from './module/procguard-module.options.js';
export { ProcguardNotBootstrappedError } from './module/procguard-context.js';
export { EnvValidationError } from './config/env.validation.js';
export {
  InstanceAlreadyRunningError,
  DataDirectoryError,
  LockCompromisedError,
  ClusterLockHeldError,
  ClusterLockLostError,
  LockDatabaseError,
} from './lifecycle/domain/lifecycle.errors.js';
export { UnknownProcessError, ProcessBusyError, LaunchError, InvalidProcessConfigError } from './supervisor/domain/supervisor.errors.js';
