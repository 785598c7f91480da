import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from './lifecycle.module.js';
import { HealthController } from './presentation/health.controller.js';
import { ProcguardHealthIndicators } from './presentation/procguard-health.indicators.js';

/** procguard's health indicators, and with `routes` its `/health` and `/health/ready`. */
@Module({})
export class HealthModule {
  static register(options: { readonly routes: boolean }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule],
      controllers: options.routes ? [HealthController] : [],
      providers: [ProcguardHealthIndicators],
      exports: [ProcguardHealthIndicators],
    };
  }
}
