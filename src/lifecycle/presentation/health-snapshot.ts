import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { MemoryUsageSnapshot } from '../domain/instance-metadata.value-object.js';
import type { LifecycleState } from '../domain/process-state.entity.js';
import { DATABASE, type DatabaseStatus, type IDatabase } from '../../persistence/application/database.port.js';
import { ApplicationLifecycleService } from '../application/application-lifecycle.service.js';
import { AGENT_STATS, PROCESS_RUNTIME, STORAGE_HEALTH } from '../application/lifecycle.tokens.js';
import type { IAgentStats } from '../application/ports/agent-stats.port.js';
import type { IProcessRuntime } from '../application/ports/process-runtime.port.js';
import type { IStorageHealth } from '../application/ports/storage-health.port.js';
import { ProcguardHealthIndicators } from './procguard-health.indicators.js';

/**
 * How often `/health` pings the database (docs/operations.md): a database that stops
 * answering shows as down within this interval (plus the ping's own bound below).
 */
export const DATABASE_PING_INTERVAL_MS = 1000;

/** How long a ping waits for the write lock another connection holds before it reads as down. */
export const DATABASE_PING_WAIT_MS = 100;

/** One answer, ready to write: the status code and the JSON text. */
export interface HealthAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/** The headers terminus's `@HealthCheck()` set; the same on both routes and platforms. */
export const HEALTH_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-cache, no-store, must-revalidate',
  'content-type': 'application/json; charset=utf-8',
};

interface Built {
  readonly state: LifecycleState;
  readonly statusCode: 200 | 503;
  /** `/health` up to its first per-request field (uptime). */
  readonly head: string;
  /** `/health` from after memoryUsage to just before the timestamp's value. */
  readonly tail: string;
  readonly ready: HealthAnswer;
}

/**
 * `/health` and `/health/ready`, served outside Nest's pipeline (bootstrap/platforms/).
 * The checks' inputs change rarely, so their result is built (by terminus, as before) and
 * serialised once per change, not per request. It is rebuilt at the next request after:
 * a lifecycle state change (compared on every request, so shutdown is 503 at once), an agent
 * state change, a storage problem's change, the database closing, and each periodic database
 * ping (every DATABASE_PING_INTERVAL_MS, which also bounds how stale anything else can be,
 * e.g. the Postgres lock's role). Per request only uptime, memory and the timestamp are written.
 */
@Injectable()
export class HealthSnapshot implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly checks: ReturnType<ProcguardHealthIndicators['all']>;
  private built: Built | null = null;
  private building: Promise<Built> | null = null;
  private dirty = true;
  private pinged: DatabaseStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private memory: { of: MemoryUsageSnapshot; json: string } | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: ProcguardHealthIndicators,
    private readonly lifecycle: ApplicationLifecycleService,
    @Inject(PROCESS_RUNTIME) private readonly runtime: IProcessRuntime,
    @Inject(STORAGE_HEALTH) storage: IStorageHealth,
    @Optional() @Inject(DATABASE) private readonly db: IDatabase | null = null,
    @Optional() @Inject(AGENT_STATS) agentStats: IAgentStats | null = null,
  ) {
    this.checks = indicators.all(() => this.pinged ?? this.ping());
    const invalidate = () => (this.dirty = true);
    storage.onChange?.(invalidate);
    agentStats?.onChange?.(invalidate);
    db?.onClose?.(() => this.ping());
  }

  onModuleInit(): void {
    if (this.db === null) return;
    this.ping();
    this.timer = setInterval(() => this.ping(), DATABASE_PING_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Terminus answers `shutting_down` once Nest's shutdown hooks ran. */
  beforeApplicationShutdown(): void {
    this.dirty = true;
  }

  /** `GET /health`: the checks plus who this instance is. Synchronous unless a rebuild is due. */
  answer(): HealthAnswer | Promise<HealthAnswer> {
    const built = this.current();
    return built instanceof Promise ? built.then((b) => this.full(b)) : this.full(built);
  }

  /** `GET /health/ready`: the checks alone. */
  ready(): HealthAnswer | Promise<HealthAnswer> {
    const built = this.current();
    return built instanceof Promise ? built.then((b) => b.ready) : built.ready;
  }

  private ping(): DatabaseStatus {
    const status = this.db?.ping({ writableWithinMs: DATABASE_PING_WAIT_MS }) ?? null;
    this.pinged = status;
    this.dirty = true;
    return status ?? { status: 'down', schemaVersion: null, journalMode: null, error: 'the database feature is off' };
  }

  private current(): Built | Promise<Built> {
    if (this.built && !this.dirty && this.built.state === this.lifecycle.currentState) return this.built;
    this.building ??= this.build().finally(() => (this.building = null));
    return this.building;
  }

  private async build(): Promise<Built> {
    this.dirty = false;
    const state = this.lifecycle.currentState;
    let result: HealthCheckResult;
    let statusCode: 200 | 503 = 200;
    try {
      result = await this.health.check(this.checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      result = error.getResponse() as HealthCheckResult;
      statusCode = 503;
    }
    const meta = this.lifecycle.getInstanceMetadata();
    const agents = this.indicators.agentCounts();
    const fixed = { ...result, pid: meta.pid, instanceId: meta.instanceId, state: meta.state, startedAt: meta.startedAt };
    const after = {
      activeAgents: agents.active,
      totalAgents: agents.total,
      databaseStatus: result.details?.database?.status === 'up' ? 'up' : 'down',
    };
    const built: Built = {
      state,
      statusCode,
      head: `${JSON.stringify(fixed).slice(0, -1)},"uptime":`,
      tail: `,${JSON.stringify(after).slice(1, -1)},"timestamp":"`,
      ready: { statusCode, body: JSON.stringify(result) },
    };
    // Something changed while building: `dirty` is set again and the next request rebuilds.
    this.built = built;
    return built;
  }

  private full(built: Built): HealthAnswer {
    const memory = this.runtime.memoryUsage();
    if (this.memory?.of !== memory) this.memory = { of: memory, json: JSON.stringify(memory) };
    const body = `${built.head}${this.runtime.uptimeSeconds()},"memoryUsage":${this.memory.json}${built.tail}${this.runtime.now().toISOString()}"}`;
    return { statusCode: built.statusCode, body };
  }
}
