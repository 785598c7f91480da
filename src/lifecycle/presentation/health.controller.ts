import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { ApplicationLifecycleService } from '../application/application-lifecycle.service.js';
import { AGENT_STATS, STORAGE_HEALTH } from '../application/lifecycle.tokens.js';
import type { IStorageHealth } from '../application/ports/storage-health.port.js';
import type { IAgentStats } from '../application/ports/agent-stats.port.js';
import { DATABASE, type IDatabase } from '../../persistence/application/database.port.js';

/**
 * `/api/health` and `/api/health/ready`: terminus checks plus who this instance is.
 * Nothing secret: no env, no argv. (`/api/health/live` is in liveness.route.ts.)
 */
@Controller('health')
export class HealthController {
  private readonly checks = [() => this.lifecycleIndicator(), () => this.databaseIndicator(), () => this.agentsIndicator(), () => this.storageIndicator()];
  private readonly required: readonly string[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: ApplicationLifecycleService,
    @Inject(DATABASE) private readonly database: IDatabase,
    @Inject(AGENT_STATS) private readonly agents: IAgentStats,
    @Inject(STORAGE_HEALTH) private readonly storage: IStorageHealth,
    config: ConfigService,
  ) {
    this.required = config.get<string[]>('READY_REQUIRES') ?? [];
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

  private lifecycleIndicator() {
    const session = this.indicators.check('lifecycle');
    const state = this.lifecycle.currentState;
    return this.lifecycle.isReady ? session.up({ state }) : session.down({ state });
  }

  private databaseIndicator() {
    const db = this.database.ping();
    const session = this.indicators.check('database');
    return db.status === 'up'
      ? session.up({ schemaVersion: db.schemaVersion, journalMode: db.journalMode })
      : session.down({ message: db.error ?? 'unavailable' });
  }

  /**
   * Down while a process readiness requires is not running; degraded (still 200)
   * while some agent has failed: the backend itself keeps serving.
   */
  private agentsIndicator() {
    const session = this.indicators.check('agents');
    const data = { active: this.agents.active(), total: this.agents.total(), processes: this.agents.summary() };
    const missing = this.agents.notRunning(this.required);
    if (missing.length > 0) return session.down({ ...data, notRunning: missing });
    const failed = this.agents.failed();
    return failed.length > 0 ? session.degraded({ ...data, failed }) : session.up(data);
  }

  /** Degraded (still 200) while some write fails: supervision goes on, but logs or records are being lost. */
  private storageIndicator() {
    const session = this.indicators.check('storage');
    const problems = this.storage.problems();
    return problems.length > 0 ? session.degraded({ problems }) : session.up();
  }

  private metadata(result: HealthCheckResult) {
    const meta = this.lifecycle.getInstanceMetadata();
    return {
      pid: meta.pid,
      instanceId: meta.instanceId,
      state: meta.state,
      startedAt: meta.startedAt,
      uptime: meta.uptime,
      memoryUsage: meta.memoryUsage,
      activeAgents: this.agents.active(),
      totalAgents: this.agents.total(),
      databaseStatus: result.details?.database?.status === 'up' ? 'up' : 'down',
      timestamp: meta.timestamp,
    };
  }
}
