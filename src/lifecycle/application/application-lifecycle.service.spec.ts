import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { MemoryUsageSnapshot } from '../domain/instance-metadata.value-object.js';
import type { ProcessLock } from '../domain/process-lock.value-object.js';
import { ApplicationLifecycleService } from './application-lifecycle.service.js';
import type { IInstanceLockManager, LockRequest, TerminateOutcome } from './ports/instance-lock-manager.port.js';
import type { IProcessRuntime } from './ports/process-runtime.port.js';
import { SHUTDOWN_ORDER } from './shutdown-sequence.js';

/** Only releaseLock matters to the service; the rest must never be called. */
class FakeLockManager implements IInstanceLockManager {
  releaseCalls = 0;
  releaseError: Error | null = null;

  constructor(private readonly journal: string[]) {}

  async releaseLock(): Promise<void> {
    this.releaseCalls++;
    this.journal.push('release lock');
    if (this.releaseError) throw this.releaseError;
  }

  hasRunningInstance(): Promise<boolean> {
    throw new Error('not expected in these tests');
  }
  getCurrentLock(): Promise<ProcessLock | null> {
    throw new Error('not expected in these tests');
  }
  acquireLock(_request: LockRequest): Promise<ProcessLock> {
    throw new Error('not expected in these tests');
  }
  releaseLockSync(): void {
    throw new Error('not expected in these tests');
  }
  cleanupStaleLock(): Promise<boolean> {
    throw new Error('not expected in these tests');
  }
  terminateProcess(_pid: number): Promise<TerminateOutcome> {
    throw new Error('not expected in these tests');
  }
}

/** A process whose clock and uptime move only when the test says so. */
class FakeRuntime implements IProcessRuntime {
  readonly pid = 4242;
  readonly nodeVersion = 'v20.99.0-test';
  memory: MemoryUsageSnapshot = { heapUsed: 1_000, heapTotal: 2_000, external: 300, rss: 4_000 };
  private clockMs: number;
  private uptimeS: number;

  constructor(now: string, uptimeSeconds: number) {
    this.clockMs = Date.parse(now);
    this.uptimeS = uptimeSeconds;
  }

  advance(ms: number): void {
    this.clockMs += ms;
    this.uptimeS += ms / 1000;
  }

  uptimeSeconds(): number {
    return this.uptimeS;
  }
  memoryUsage(): MemoryUsageSnapshot {
    return this.memory;
  }
  now(): Date {
    return new Date(this.clockMs);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ApplicationLifecycleService', () => {
  let journal: string[];
  let lockManager: FakeLockManager;
  let runtime: FakeRuntime;
  let service: ApplicationLifecycleService;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(() => {
    Logger.overrideLogger(true);
  });

  beforeEach(() => {
    journal = [];
    lockManager = new FakeLockManager(journal);
    runtime = new FakeRuntime('2024-05-01T10:00:10.000Z', 10);
    service = new ApplicationLifecycleService(lockManager, runtime, 'instance-id');
  });

  describe('when just constructed', () => {
    it('is starting and not ready', () => {
      expect(service.currentState).toBe('starting');
      expect(service.isReady).toBe(false);
      expect(service.instanceId).toBe('instance-id');
    });
  });

  describe('when started up', () => {
    it('is running and ready', async () => {
      // Act
      await service.startup();

      // Assert
      expect(service.currentState).toBe('running');
      expect(service.isReady).toBe(true);
    });

    it('tolerates a second startup', async () => {
      await service.startup();

      await expect(service.startup()).resolves.toBeUndefined();
      expect(service.currentState).toBe('running');
    });

    it('runs the start-up hooks in order, once, before it is ready', async () => {
      // Arrange
      const journal: string[] = [];
      service.registerStartupHook('first', async () => void journal.push(`first ready=${service.isReady}`));
      service.registerStartupHook('second', async () => void journal.push(`second ready=${service.isReady}`));

      // Act
      await Promise.all([service.startup(), service.startup()]);

      // Assert
      expect(journal).toEqual(['first ready=false', 'second ready=false']);
      expect(service.isReady).toBe(true);
    });

    it('stays not ready and rejects when a hook fails', async () => {
      service.registerStartupHook('agents', async () => {
        throw new Error('no agents today');
      });

      await expect(service.startup()).rejects.toThrow('no agents today');
      expect(service.currentState).toBe('starting');
    });
  });

  describe('when shutdown begins during start-up', () => {
    it('runs no hook after the one under way and never becomes ready', async () => {
      // Arrange
      const journal: string[] = [];
      let release!: () => void;
      service.registerStartupHook(
        'first',
        () =>
          new Promise<void>((resolve) => {
            release = () => {
              journal.push('first');
              resolve();
            };
          }),
      );
      service.registerStartupHook('second', async () => void journal.push('second'));
      const startup = service.startup();

      // Act
      const shutdown = service.shutdown('SIGTERM', 5_000);
      release();
      await startup;
      await shutdown;

      // Assert
      expect(journal).toEqual(['first']);
      expect(service.currentState).toBe('stopped');
    });
  });

  describe('when shutting down', () => {
    it('runs the registered steps by order, then releases the lock last', async () => {
      // Arrange
      await service.startup();
      service.registerShutdownStep({ name: 'close database', order: SHUTDOWN_ORDER.closeDatabase, run: () => void journal.push('close database') });
      service.registerShutdownStep({ name: 'drain http', order: SHUTDOWN_ORDER.drainHttp, run: () => void journal.push('drain http') });
      service.registerShutdownStep({ name: 'close app', order: SHUTDOWN_ORDER.closeApplication, run: () => void journal.push('close app') });

      // Act
      const report = await service.shutdown('SIGTERM', 5_000);

      // Assert
      expect(journal).toEqual(['drain http', 'close app', 'close database', 'release lock']);
      expect(report.reason).toBe('SIGTERM');
      expect(report.ok).toBe(true);
      expect(report.steps.map((s) => s.name)).toEqual(['drain http', 'close app', 'close database', 'release instance lock']);
    });

    it('still runs the later steps and releases the lock when a step throws', async () => {
      // Arrange
      await service.startup();
      service.registerShutdownStep({
        name: 'drain http',
        order: SHUTDOWN_ORDER.drainHttp,
        run: () => {
          journal.push('drain http');
          throw new Error('socket hang up');
        },
      });
      service.registerShutdownStep({ name: 'close database', order: SHUTDOWN_ORDER.closeDatabase, run: () => void journal.push('close database') });

      // Act
      const report = await service.shutdown('SIGTERM', 5_000);

      // Assert
      expect(journal).toEqual(['drain http', 'close database', 'release lock']);
      expect(lockManager.releaseCalls).toBe(1);
      expect(report.ok).toBe(false);
      expect(report.steps[0]).toMatchObject({ name: 'drain http', ok: false, error: 'socket hang up' });
      expect(service.currentState).toBe('stopped');
    });

    it('reports a failed lock release', async () => {
      lockManager.releaseError = new Error('EACCES');

      const report = await service.shutdown('SIGTERM', 5_000);

      expect(report.ok).toBe(false);
      expect(report.steps).toEqual([expect.objectContaining({ name: 'release instance lock', ok: false, error: 'EACCES' })]);
    });

    it('is stopping (not ready) while the steps run, and stopped afterwards', async () => {
      // Arrange
      await service.startup();
      const gate = deferred();
      const seenDuringStep: Array<[string, boolean]> = [];
      service.registerShutdownStep({
        name: 'drain http',
        order: SHUTDOWN_ORDER.drainHttp,
        run: async () => {
          seenDuringStep.push([service.currentState, service.isReady]);
          await gate.promise;
        },
      });

      // Act
      const done = service.shutdown('SIGTERM', 5_000);
      const stateRightAfterCall = service.currentState;
      const readyRightAfterCall = service.isReady;
      gate.resolve();
      await done;

      // Assert
      expect(stateRightAfterCall).toBe('stopping');
      expect(readyRightAfterCall).toBe(false);
      expect(seenDuringStep).toEqual([['stopping', false]]);
      expect(service.currentState).toBe('stopped');
      expect(service.isReady).toBe(false);
    });

    it('can shut down straight from starting (a signal during boot)', async () => {
      const report = await service.shutdown('SIGINT', 5_000);

      expect(report.ok).toBe(true);
      expect(service.currentState).toBe('stopped');
      expect(lockManager.releaseCalls).toBe(1);
    });

    it('runs no start-up hook once shutdown has begun (a signal during boot)', async () => {
      const journal: string[] = [];
      service.registerStartupHook('agents', async () => void journal.push('agents'));
      await service.shutdown('SIGTERM', 5_000);

      await service.startup();

      expect(journal).toEqual([]);
      expect(service.currentState).toBe('stopped');
    });
  });

  describe('when shutdown is requested twice', () => {
    it('returns the same promise and runs every step once', async () => {
      // Arrange
      await service.startup();
      let drains = 0;
      service.registerShutdownStep({ name: 'drain http', order: SHUTDOWN_ORDER.drainHttp, run: () => void drains++ });

      // Act
      const first = service.shutdown('SIGTERM', 5_000);
      const second = service.shutdown('SIGINT', 5_000);
      const report = await first;
      const third = service.shutdown('SIGHUP', 5_000);

      // Assert
      expect(second).toBe(first);
      expect(third).toBe(first);
      expect(drains).toBe(1);
      expect(lockManager.releaseCalls).toBe(1);
      expect(report.reason).toBe('SIGTERM');
    });
  });

  describe('when a step hangs past the shutdown timeout', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('gives up on it at the deadline and still releases the lock', async () => {
      // Arrange
      await service.startup();
      service.registerShutdownStep({ name: 'drain http', order: SHUTDOWN_ORDER.drainHttp, run: () => new Promise<void>(() => undefined) });
      const done = service.shutdown('SIGTERM', 1_000);

      // Act
      await jest.advanceTimersByTimeAsync(999);
      const releasedEarly = lockManager.releaseCalls;
      await jest.advanceTimersByTimeAsync(1);
      const report = await done;

      // Assert
      expect(releasedEarly).toBe(0);
      expect(lockManager.releaseCalls).toBe(1);
      expect(report.ok).toBe(false);
      expect(report.steps[0]).toMatchObject({ name: 'drain http', ok: false });
      expect(service.currentState).toBe('stopped');
    });
  });

  describe('when asked for instance metadata', () => {
    it('reports the runtime’s facts and its own state', async () => {
      // Arrange
      await service.startup();

      // Act
      const metadata = service.getInstanceMetadata();

      // Assert
      expect(metadata.pid).toBe(4242);
      expect(metadata.nodeVersion).toBe('v20.99.0-test');
      expect(metadata.instanceId).toBe('instance-id');
      expect(metadata.state).toBe('running');
      expect(metadata.uptime).toBe(10);
      expect(metadata.memoryUsage).toEqual({ heapUsed: 1_000, heapTotal: 2_000, external: 300, rss: 4_000 });
      expect(metadata.timestamp).toBe('2024-05-01T10:00:10.000Z');
      expect(metadata.startedAt).toBe('2024-05-01T10:00:00.000Z');
    });

    it('moves uptime and timestamp with the clock but keeps the start time', () => {
      // Arrange
      runtime.advance(5_000);
      runtime.memory = { heapUsed: 1, heapTotal: 2, external: 3, rss: 4 };

      // Act
      const metadata = service.getInstanceMetadata();

      // Assert
      expect(metadata.uptime).toBe(15);
      expect(metadata.timestamp).toBe('2024-05-01T10:00:15.000Z');
      expect(metadata.startedAt).toBe('2024-05-01T10:00:00.000Z');
      expect(metadata.memoryUsage).toEqual({ heapUsed: 1, heapTotal: 2, external: 3, rss: 4 });
      expect(metadata.state).toBe('starting');
    });
  });
});
