import type { SettingOverride } from '../config/settings.js';
import type { IInstanceLockManager } from '../lifecycle/application/ports/instance-lock-manager.port.js';
import type { ProcessLock } from '../lifecycle/domain/process-lock.value-object.js';
import type { ProcessSpec } from '../supervisor/domain/process-spec.js';

/**
 * What `bootstrap()` settled before Nest loaded, handed to the module it then builds.
 * Module-scoped state, not a provider: the host's `AppModule` imports `ProcguardModule`
 * statically, long before the lock it needs exists.
 */
export interface ProcguardContext {
  readonly lockManager: IInstanceLockManager;
  readonly lock: ProcessLock;
  /** The environment settings are read from. */
  readonly env: NodeJS.ProcessEnv;
  /** The bootstrap's own options (port, dataDir, …), which the module's settings must agree with. */
  readonly overrides: readonly SettingOverride[];
  /** The process config the bootstrap already read and checked, and from which file. */
  readonly specs: { readonly path: string; readonly specs: readonly ProcessSpec[] } | null;
}

/** The module was built without `bootstrap()` (which takes the lock first). */
export class ProcguardNotBootstrappedError extends Error {
  readonly code = 'PROCGUARD_NOT_BOOTSTRAPPED';
  constructor() {
    super(
      'ProcguardModule needs the instance lock, which bootstrap() takes before Nest loads: ' +
        "start the app with `bootstrap({ module: () => import('./app.module.js') })` from 'procguard/bootstrap' in main.ts",
    );
    this.name = 'ProcguardNotBootstrappedError';
  }
}

let current: ProcguardContext | null = null;

export function setProcguardContext(context: ProcguardContext | null): void {
  current = context;
}

/** @throws ProcguardNotBootstrappedError */
export function procguardContext(): ProcguardContext {
  if (current === null) throw new ProcguardNotBootstrappedError();
  return current;
}
