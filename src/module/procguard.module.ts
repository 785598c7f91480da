import { type DynamicModule, Module } from '@nestjs/common';
import { resolveSettings, SETTINGS } from '../config/settings.js';
import { DashboardModule } from '../dashboard/dashboard.module.js';
import { HistoryModule } from '../history/history.module.js';
import { HealthModule } from '../lifecycle/health.module.js';
import { InfrastructureModule } from '../lifecycle/infrastructure/infrastructure.module.js';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { SupervisorModule } from '../supervisor/supervisor.module.js';
import { recordDeclaration } from './module-declaration.js';
import { procguardContext } from './procguard-context.js';
import {
  ConfigurableProcguardModule,
  PROCGUARD_ASYNC_OPTIONS_TYPE,
  PROCGUARD_MODULE_OPTIONS,
  PROCGUARD_OPTIONS_TYPE,
} from './procguard.module-definition.js';
import { moduleOverrides, resolveFeatures, type ProcguardFeatures, type ProcguardModuleOptions, type ResolvedFeatures } from './procguard-module.options.js';
import { ProcguardLifecycle } from './procguard-lifecycle.service.js';
import { ProcguardSupervisor } from './procguard-supervisor.service.js';

const FEATURE_KEYS: readonly (keyof ProcguardFeatures)[] = ['health', 'supervisor', 'history', 'database', 'dashboard'];

/**
 * procguard inside a host's Nest app. Import it once, in the root module, and start the
 * app with `bootstrap()` (which takes the instance lock before this module is loaded).
 *
 * ```ts
 * @Module({ imports: [ProcguardModule.forRoot({ readyRequires: ['worker'] })] })
 * export class AppModule {}
 * ```
 * Global: {@link ProcguardLifecycle}, {@link ProcguardSupervisor} (with the supervisor)
 * and `ProcguardHealthIndicators` (with health) can be injected anywhere.
 */
@Module({})
export class ProcguardModule extends ConfigurableProcguardModule {
  /** Options in code; each one left out comes from its environment variable. */
  static override forRoot(options: typeof PROCGUARD_OPTIONS_TYPE = {}): DynamicModule {
    const features = resolveFeatures(pick(options, FEATURE_KEYS));
    const settings = omit(options, FEATURE_KEYS) as ProcguardModuleOptions;
    moduleOverrides(settings); // an unknown option is refused here, where the host wrote it
    recordDeclaration({ options: settings, features });
    return withFeatures(super.forRoot(options), features);
  }

  /** Options from a factory (e.g. the host's ConfigService); features stay static. */
  static override forRootAsync(options: typeof PROCGUARD_ASYNC_OPTIONS_TYPE): DynamicModule {
    const features = resolveFeatures(pick(options, FEATURE_KEYS));
    recordDeclaration({ options: null, features });
    return withFeatures(super.forRootAsync(options), features);
  }
}

function withFeatures(definition: DynamicModule, features: ResolvedFeatures): DynamicModule {
  const exports: NonNullable<DynamicModule['exports']> = [SETTINGS, ProcguardLifecycle];
  const imports: NonNullable<DynamicModule['imports']> = [...(definition.imports ?? []), InfrastructureModule, LifecycleModule];
  if (features.database) imports.push(PersistenceModule);
  if (features.health !== false) {
    const health = HealthModule.register({ routes: features.health === true });
    imports.push(health);
    exports.push(health);
  }
  const providers: NonNullable<DynamicModule['providers']> = [
    ...(definition.providers ?? []),
    {
      provide: SETTINGS,
      inject: [PROCGUARD_MODULE_OPTIONS],
      useFactory: (options: ProcguardModuleOptions) => {
        const context = procguardContext();
        return Object.freeze(resolveSettings(context.env, [...context.overrides, ...moduleOverrides(options ?? {})]));
      },
    },
    ProcguardLifecycle,
  ];
  if (features.supervisor !== false) {
    imports.push(SupervisorModule.register({ routes: features.supervisor === true }));
    providers.push(ProcguardSupervisor);
    exports.push(ProcguardSupervisor);
  }
  if (features.history) imports.push(HistoryModule);
  if (features.dashboard) imports.push(DashboardModule);
  return { ...definition, global: true, imports, providers, exports };
}

function pick<T extends object>(value: T, keys: readonly string[]): Partial<ProcguardFeatures> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key)));
}

function omit<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}
