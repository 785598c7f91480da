import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from './lifecycle.module.js';
import { HealthSnapshot } from './presentation/health-snapshot.js';
import { ProcguardHealthIndicators } from './presentation/procguard-health.indicators.js';

/**
 * procguard's health indicators, and with `routes` the snapshot its `/health` and
 * `/health/ready` answer from (served outside Nest's pipeline: bootstrap/platforms/).
 */
@Module({})
export class HealthModule {
  static register(options: { readonly routes: boolean }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule],
      providers: [ProcguardHealthIndicators, ...(options.routes ? [HealthSnapshot] : [])],
      exports: [ProcguardHealthIndicators, ...(options.routes ? [HealthSnapshot] : [])],
    };
  }
}
