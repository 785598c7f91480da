import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './config/env.validation.js';
import { InfrastructureModule } from './lifecycle/infrastructure/infrastructure.module.js';
import type { InfrastructureModuleOptions } from './lifecycle/infrastructure/infrastructure.module-definition.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { PersistenceModule } from './persistence/persistence.module.js';
import { SupervisorModule } from './supervisor/supervisor.module.js';
import { HistoryModule } from './history/history.module.js';

@Module({})
export class AppModule {
  /**
   * @param held the lock main.ts acquired before loading Nest.
   * @param extra modules mounted beside ours (embedding, test fixtures).
   */
  static register(held: InfrastructureModuleOptions, extra: ReadonlyArray<Type | DynamicModule> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // process.env only: the guard validated the same variables before Nest loaded.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: (raw) => ({ ...validateEnv(raw) }) }),
        InfrastructureModule.forRoot(held),
        PersistenceModule,
        LifecycleModule,
        SupervisorModule,
        HistoryModule,
        ...extra,
      ],
    };
  }
}
