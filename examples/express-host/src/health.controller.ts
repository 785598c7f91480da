import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ProcguardHealthIndicators } from 'procguard';

/** The app's own health route, composed of procguard's indicators and one of its own. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly procguard: ProcguardHealthIndicators,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.procguard.lifecycle(),
      () => this.procguard.database(),
      () => this.procguard.agents(),
      () => this.indicators.check('greeter').up(),
    ]);
  }
}
