import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { SETTINGS } from '../../config/settings.js';
import { DATABASE, type DatabaseStatus, type IDatabase, type PingOptions } from '../../persistence/application/database.port.js';
import { ApplicationLifecycleService } from '../application/application-lifecycle.service.js';
import { AGENT_STATS, INSTANCE_ID, INSTANCE_LOCK_MANAGER, PROCESS_RUNTIME, STORAGE_HEALTH } from '../application/lifecycle.tokens.js';
import type { AgentSummary, IAgentStats } from '../application/ports/agent-stats.port.js';
import type { IProcessRuntime } from '../application/ports/process-runtime.port.js';
import { StorageHealth } from '../application/storage-health.service.js';
import { HealthSnapshot, type HealthAnswer } from './health-snapshot.js';
import { ProcguardHealthIndicators } from './procguard-health.indicators.js';

class FakeDatabase implements IDatabase {
  pings = 0;
  options: PingOptions[] = [];
  status: DatabaseStatus = { status: 'up', schemaVersion: 2, journalMode: 'wal' };
  private readonly closeListeners: (() => void)[] = [];
  ping(options: PingOptions = {}): DatabaseStatus {
    this.pings += 1;
    this.options.push(options);
    return this.status;
  }
  close(): void {
    this.status = { status: 'down', schemaVersion: null, journalMode: null, error: 'closed' };
    this.closeListeners.forEach((l) => l());
  }
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }
}

class FakeAgents implements IAgentStats {
  state = 'running';
  private readonly listeners: (() => void)[] = [];
  active = () => (this.state === 'running' ? 1 : 0);
  total = () => 1;
  summary = (): Record<string, AgentSummary> => ({ web: { state: this.state, pid: 42, restarts: 0 } });
  notRunning = (required: readonly string[]) => required.filter(() => this.state !== 'running');
  failed = () => (this.state === 'failed' ? ['web'] : []);
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
  move(state: string): void {
    this.state = state;
    this.listeners.forEach((l) => l());
  }
}

const runtime: IProcessRuntime = {
  pid: 4242,
  nodeVersion: 'v20',
  uptimeSeconds: () => 1.5,
  memoryUsage: () => ({ heapUsed: 1, heapTotal: 2, external: 3, rss: 4 }),
  now: () => new Date('2026-12-02T00:00:00.000Z'),
};

async function setup() {
  const db = new FakeDatabase();
  const agents = new FakeAgents();
  const storage = new StorageHealth({ error: () => undefined, log: () => undefined });
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    providers: [
      HealthSnapshot,
      ProcguardHealthIndicators,
      ApplicationLifecycleService,
      { provide: SETTINGS, useValue: { READY_REQUIRES: [] } },
      { provide: PROCESS_RUNTIME, useValue: runtime },
      { provide: INSTANCE_ID, useValue: 'instance-1' },
      { provide: INSTANCE_LOCK_MANAGER, useValue: { releaseLock: async () => undefined } },
      { provide: STORAGE_HEALTH, useValue: storage },
      { provide: DATABASE, useValue: db },
      { provide: AGENT_STATS, useValue: agents },
    ],
  }).compile();
  await moduleRef.init();
  const lifecycle = moduleRef.get(ApplicationLifecycleService);
  await lifecycle.startup();
  return { snapshot: moduleRef.get(HealthSnapshot), db, agents, storage, lifecycle, close: () => moduleRef.close() };
}

const body = async (answer: HealthAnswer | Promise<HealthAnswer>) => {
  const a = await answer;
  return { statusCode: a.statusCode, json: JSON.parse(a.body) };
};

describe('HealthSnapshot', () => {
  it('answers the same shape as before, with the per-request fields written in', async () => {
    const { snapshot, close } = await setup();

    const { statusCode, json } = await body(snapshot.answer());

    expect(statusCode).toBe(200);
    expect(json).toEqual({
      status: 'ok',
      info: expect.objectContaining({ lifecycle: { status: 'up', state: 'running' }, database: { status: 'up', schemaVersion: 2, journalMode: 'wal' } }),
      error: {},
      details: expect.objectContaining({ storage: { status: 'up' } }),
      pid: 4242,
      instanceId: 'instance-1',
      state: 'running',
      startedAt: expect.any(String),
      uptime: 1.5,
      memoryUsage: { heapUsed: 1, heapTotal: 2, external: 3, rss: 4 },
      activeAgents: 1,
      totalAgents: 1,
      databaseStatus: 'up',
      timestamp: '2026-12-02T00:00:00.000Z',
    });
    await close();
  });

  it('does not query the database per request: only its periodic ping does, with the write-lock bound', async () => {
    const { snapshot, db, close } = await setup();
    const before = db.pings;

    for (let i = 0; i < 50; i++) await snapshot.answer();

    expect(db.pings).toBe(before);
    expect(db.options.every((o) => o.writableWithinMs !== undefined)).toBe(true);
    await close();
  });

  it('shows an agent state change at the next request, without waiting for a ping', async () => {
    const { snapshot, agents, close } = await setup();
    await snapshot.answer();

    agents.move('failed');

    const { json } = await body(snapshot.answer());
    expect(json.status).toBe('degraded');
    expect(json.details.agents).toMatchObject({ status: 'degraded', failed: ['web'] });
    await close();
  });

  it('shows a storage problem at the next request, without waiting for a ping', async () => {
    const { snapshot, storage, close } = await setup();
    await snapshot.answer();

    storage.failed('process logs', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));

    const { json } = await body(snapshot.answer());
    expect(json.details.storage).toMatchObject({ status: 'degraded', problems: [expect.objectContaining({ component: 'process logs' })] });
    await close();
  });

  it('shows the database closing at once, and shutdown beginning at once', async () => {
    const { snapshot, db, lifecycle, close } = await setup();
    await snapshot.answer();

    db.close();
    const closed = await body(snapshot.ready());
    expect(closed.statusCode).toBe(503);
    expect(closed.json.error.database).toEqual({ status: 'down', message: 'closed' });

    const shutdown = lifecycle.shutdown('test', 1000);
    const stopping = await body(snapshot.answer());
    expect(stopping.statusCode).toBe(503);
    expect(stopping.json.error.lifecycle).toMatchObject({ status: 'down' });
    await shutdown;
    await close();
  });
});
