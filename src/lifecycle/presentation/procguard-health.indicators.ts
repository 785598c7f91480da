import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SETTINGS, type ProcguardSettings } from '../../config/settings.js';
import { DATABASE, type DatabaseStatus, type IDatabase } from '../../persistence/application/database.port.js';
import { ApplicationLifecycleService } from '../application/application-lifecycle.service.js';
import { AGENT_STATS, INSTANCE_LOCK_MANAGER, STORAGE_HEALTH } from '../application/lifecycle.tokens.js';
import type { IAgentStats } from '../application/ports/agent-stats.port.js';
import type { IInstanceLockManager } from '../application/ports/instance-lock-manager.port.js';
import type { IStorageHealth } from '../application/ports/storage-health.port.js';

type Check = () => HealthIndicatorResult;

/**
 * procguard's terminus indicators, for procguard's own `/health` and for a host's:
 * `health.check([() => indicators.lifecycle(), () => indicators.database()])`.
 * Each takes the key it reports under. Nothing secret in any of them.
 */
@Injectable()
export class ProcguardHealthIndicators {
  private readonly required: readonly string[];

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycleService: ApplicationLifecycleService,
    @Inject(STORAGE_HEALTH) private readonly storageHealth: IStorageHealth,
    @Inject(SETTINGS) settings: ProcguardSettings,
    @Optional() @Inject(DATABASE) private readonly db: IDatabase | null = null,
    @Optional() @Inject(AGENT_STATS) private readonly agentStats: IAgentStats | null = null,
    @Optional() @Inject(INSTANCE_LOCK_MANAGER) private readonly lockManager: IInstanceLockManager | null = null,
  ) {
    this.required = settings.READY_REQUIRES;
  }

  /** Up while the instance runs; down while starting and from the moment shutdown begins. */
  lifecycle(key = 'lifecycle'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const state = this.lifecycleService.currentState;
    return this.lifecycleService.isReady ? session.up({ state }) : session.down({ state });
  }

  /**
   * Up while the database answers; down with the reason otherwise. Needs the `database` feature.
   * Pings now, unless given a ping's result (procguard's own `/health` passes its latest periodic one).
   */
  database(key = 'database', pinged?: DatabaseStatus): HealthIndicatorResult {
    const session = this.indicators.check(key);
    if (this.db === null) return session.down({ message: 'the database feature is off' });
    const db = pinged ?? this.db.ping();
    return db.status === 'up'
      ? session.up({ schemaVersion: db.schemaVersion, journalMode: db.journalMode })
      : session.down({ message: db.error ?? 'unavailable' });
  }

  /**
   * Down while a process readiness requires (READY_REQUIRES) is not running; degraded
   * (still healthy) while some agent has failed: the backend itself keeps serving.
   * Needs the `supervisor` feature.
   */
  agents(key = 'agents'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    if (this.agentStats === null) return session.down({ message: 'the supervisor feature is off' });
    const data = { active: this.agentStats.active(), total: this.agentStats.total(), processes: this.agentStats.summary() };
    const missing = this.agentStats.notRunning(this.required);
    if (missing.length > 0) return session.down({ ...data, notRunning: missing });
    const failed = this.agentStats.failed();
    return failed.length > 0 ? session.degraded({ ...data, failed }) : session.up(data);
  }

  /** Degraded (still healthy) while some write fails: logs or records are being lost. */
  storage(key = 'storage'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const problems = this.storageHealth.problems();
    return problems.length > 0 ? session.degraded({ problems }) : session.up();
  }

  /**
   * The lock shared by several hosts (LOCK_BACKEND=postgres): up while this instance
   * holds it; down as a standby or once lost, naming who is active. Absent for the file lock.
   */
  lock(key = 'lock'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const status = this.lockManager?.status?.();
    if (!status) return session.up({ backend: 'file', role: 'active' });
    return status.role === 'active' ? session.up({ ...status }) : session.down({ ...status });
  }

  /**
   * The indicators that apply to the features this app has, for its `/health`;
   * `pinged` gives the database check its ping result instead of pinging.
   */
  all(pinged?: () => DatabaseStatus): Check[] {
    return [
      () => this.lifecycle(),
      ...(this.db ? [() => this.database('database', pinged?.())] : []),
      ...(this.agentStats ? [() => this.agents()] : []),
      () => this.storage(),
      ...(this.lockManager?.status ? [() => this.lock()] : []),
    ];
  }

  /** Agent counts for the instance summary; zeros without the supervisor. */
  agentCounts(): { active: number; total: number } {
    return { active: this.agentStats?.active() ?? 0, total: this.agentStats?.total() ?? 0 };
  }
}
