import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApplicationLifecycleService } from '../application/application-lifecycle.service.js';
import { ProcguardHealthIndicators } from './procguard-health.indicators.js';

/**
 * `/health` and `/health/ready`: terminus checks plus who this instance is.
 * Nothing secret: no env, no argv. (`/health/live` is in liveness.route.ts.)
 */
@Controller('health')
export class HealthController {
  private readonly checks: ReturnType<ProcguardHealthIndicators['all']>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: ProcguardHealthIndicators,
    private readonly lifecycle: ApplicationLifecycleService,
  ) {
    this.checks = indicators.all();
  }

  @Get()
  @HealthCheck()
  async check() {
    try {
      const result = await this.health.check(this.checks);
      return { ...result, ...this.metadata(result) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw new ServiceUnavailableException({ ...result, ...this.metadata(result) });
    }
  }

  /** Readiness: 503 from the moment shutdown begins, or while the database is unusable. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks);
  }

  private metadata(result: HealthCheckResult) {
    const meta = this.lifecycle.getInstanceMetadata();
    const agents = this.indicators.agentCounts();
    return {
      pid: meta.pid,
      instanceId: meta.instanceId,
      state: meta.state,
      startedAt: meta.startedAt,
      uptime: meta.uptime,
      memoryUsage: meta.memoryUsage,
      activeAgents: agents.active,
      totalAgents: agents.total,
      databaseStatus: result.details?.database?.status === 'up' ? 'up' : 'down',
      timestamp: meta.timestamp,
    };
  }
}
