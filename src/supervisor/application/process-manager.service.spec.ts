import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ProcessSpec } from '../domain/process-spec.js';
import { UnknownProcessError } from '../domain/supervisor.errors.js';
import { InMemoryDesiredState, type Desired } from './ports/desired-state.port.js';
import { ProcessManager } from './process-manager.service.js';
import type { ProcessEvent } from './process-status.js';
import { FakeLauncher, FakeProbe, InMemoryChildRegistry, InMemoryOutputStore, specOf } from './testing/fakes.js';

/** The in-memory intent store, with a journal of every set and clear (sources included). */
class RecordingDesiredState extends InMemoryDesiredState {
  readonly journal: string[] = [];

  override set(name: string, desired: Desired, source = '?'): void {
    this.journal.push(`set ${name} ${desired} by ${source}`);
    super.set(name, desired);
  }

  override clear(names: readonly string[]): void {
    this.journal.push(`clear ${names.join(',')}`);
    super.clear(names);
  }
}

function setup(specs: ProcessSpec[] = [], desired = new RecordingDesiredState()) {
  const launcher = new FakeLauncher();
  const output = new InMemoryOutputStore();
  const registry = new InMemoryChildRegistry();
  const manager = new ProcessManager(launcher, new FakeProbe(), output, registry, 'instance-7', desired);
  manager.declare(specs);
  /** The pids launched for instance `name`, in order. */
  const pidsOf = (name: string) => launcher.children.filter((c) => c.request.name === name).map((c) => c.pid);
  return { launcher, output, registry, manager, pidsOf, desired };
}

/** Lets pending promise reactions run without moving the clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);

const states = (statuses: { name: string; state: string }[]) => statuses.map((s) => `${s.name}:${s.state}`);

describe('ProcessManager', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(() => {
    Logger.overrideLogger(true);
  });

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when specs are declared', () => {
    it('knows every instance, all stopped, and launches nothing', () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'web', instances: 2 }), specOf({ name: 'worker' })]);

      // Act
      const all = manager.statusAll();

      // Assert
      expect(states(all)).toEqual(['web-1:stopped', 'web-2:stopped', 'worker:stopped']);
      expect(launcher.launchCount).toBe(0);
      expect([manager.has('web-1'), manager.has('worker'), manager.has('web')]).toEqual([true, true, false]);
    });
  });

  describe('when a declared process is started and stopped by name', () => {
    it('reports its state each time', async () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'worker' })]);

      // Act
      const started = await manager.start('worker');
      const whileRunning = manager.status('worker');
      const stopped = await manager.stop('worker');

      // Assert
      expect(started).toMatchObject({ name: 'worker', state: 'running', pid: 1000 });
      expect(whileRunning.state).toBe('running');
      expect(stopped).toMatchObject({ name: 'worker', state: 'stopped', pid: null });
      expect(launcher.signals).toEqual([{ pgid: 1000, signal: 'SIGTERM' }]);
    });

    it('restarts it with a new child', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'worker' })]);
      await manager.start('worker');

      // Act
      const status = await manager.restart('worker');

      // Assert
      expect(status).toMatchObject({ state: 'running', pid: 1001 });
    });
  });

  describe('when patterns are used', () => {
    it('starts, lists, counts and stops only the matching instances', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web', instances: 3 }), specOf({ name: 'worker' })]);

      // Act
      const started = await manager.startAll('web-*');
      const listed = manager.statusAll('web-?');
      const counts = {
        all: manager.count(),
        web: manager.count('web-*'),
        running: manager.count('*', 'running'),
        stoppedWorkers: manager.count('w*r', 'stopped'),
        none: manager.count('api-*'),
      };
      const stopped = await manager.stopAll('web-[12]');
      const stoppedAgain = await manager.stopAll('*-1');

      // Assert
      expect(states(started)).toEqual(['web-1:running', 'web-2:running', 'web-3:running']);
      expect(states(listed)).toEqual(['web-1:running', 'web-2:running', 'web-3:running']);
      expect(counts).toEqual({ all: 4, web: 3, running: 3, stoppedWorkers: 1, none: 0 });
      expect(stopped).toEqual([]);
      expect(states(stoppedAgain)).toEqual(['web-1:stopped']);
      expect(states(manager.statusAll())).toEqual(['web-1:stopped', 'web-2:running', 'web-3:running', 'worker:stopped']);
    });
  });

  describe('when a name is not declared', () => {
    it.each<[string, (m: ProcessManager) => unknown]>([
      ['start', (m) => m.start('nope')],
      ['stop', (m) => m.stop('nope')],
      ['restart', (m) => m.restart('nope')],
      ['startN', (m) => m.startN('nope')],
    ])('%s rejects with UnknownProcessError', async (_label, act) => {
      // Arrange
      const { manager, launcher } = setup([specOf({ name: 'web' })]);

      // Act
      const result = act(manager);

      // Assert
      await expect(result).rejects.toThrow(UnknownProcessError);
      await expect(result).rejects.toMatchObject({ code: 'UNKNOWN_PROCESS', processName: 'nope' });
      expect(launcher.launchCount).toBe(0);
    });

    it.each<[string, (m: ProcessManager) => unknown]>([
      ['status', (m) => m.status('nope')],
      ['tail', (m) => m.tail('nope', 10)],
    ])('%s throws UnknownProcessError', (_label, act) => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web' })]);

      // Act & Assert
      expect(() => act(manager)).toThrow(UnknownProcessError);
    });

    it('treats the bare name of a multi-instance spec as unknown to start', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web', instances: 2 })]);

      // Act
      const result = manager.start('web');

      // Assert
      await expect(result).rejects.toThrow(UnknownProcessError);
    });
  });

  describe('when startN is called', () => {
    it('starts the first N instances of the spec', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web', instances: 3 }), specOf({ name: 'web-x' })]);

      // Act
      const started = await manager.startN('web', 2);

      // Assert
      expect(states(started)).toEqual(['web-1:running', 'web-2:running']);
      expect(states(manager.statusAll())).toEqual(['web-1:running', 'web-2:running', 'web-3:stopped', 'web-x:stopped']);
    });

    it('starts every instance when no count is given', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web', instances: 3 })]);

      // Act
      const started = await manager.startN('web');

      // Assert
      expect(states(started)).toEqual(['web-1:running', 'web-2:running', 'web-3:running']);
    });
  });

  describe('when a global env is set', () => {
    it('merges successive calls and gives the result to every child, under the spec env and the instance variables', async () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'api', port: 4000, env: { SHARED: 'spec', OWN: 'spec' } })]);
      manager.setGlobalEnv({ SHARED: 'global', GLOBAL_ONLY: 'first', FIRST_ONLY: 'kept', PORT: '1' });
      manager.setGlobalEnv({ GLOBAL_ONLY: 'second', LATER: 'yes' });

      // Act
      await manager.start('api');

      // Assert
      expect(launcher.requests[0].env).toEqual({
        SHARED: 'spec',
        OWN: 'spec',
        GLOBAL_ONLY: 'second',
        FIRST_ONLY: 'kept',
        LATER: 'yes',
        PORT: '4000',
        NODE_APP_INSTANCE: '0',
        INSTANCE_INDEX: '1',
        PROCGUARD_PROCESS_NAME: 'api',
      });
    });
  });

  describe('when children run', () => {
    it('records them in the registry under the instance id and tails their output', async () => {
      // Arrange
      const { manager, registry, output } = setup([specOf({ name: 'web' })]);
      await manager.start('web');

      // Act
      output.write('web', 'stdout', 'one\ntwo\nthree\n');
      const tail = await manager.tail('web', 2);

      // Assert
      expect(registry.list()).toEqual([expect.objectContaining({ name: 'web', pid: 1000, ownerInstanceId: 'instance-7' })]);
      expect(tail).toEqual(['two', 'three']);
    });
  });

  describe('when listeners subscribe to events', () => {
    it('gives each one every state change, even when another listener throws', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web' })]);
      const seen: ProcessEvent[] = [];
      manager.onEvent(() => {
        throw new Error('listener bug');
      });
      manager.onEvent((event) => seen.push(event));

      // Act
      await manager.start('web');

      // Assert
      expect(seen.map((e) => `${e.name} ${e.from}->${e.to}`)).toEqual(['web stopped->starting', 'web starting->running']);
    });
  });

  describe('when specs declare dependsOn', () => {
    const chain = () => [
      specOf({ name: 'db', waitReady: { timeoutMs: 60_000 } }),
      specOf({ name: 'api', instances: 2, dependsOn: ['db'] }),
      specOf({ name: 'web', dependsOn: ['api'] }),
    ];

    it('holds each dependent waiting, naming what it waits for, until every instance of its dependencies runs', async () => {
      // Arrange
      const { launcher, manager, pidsOf } = setup(chain());

      // Act
      await manager.startAll('*', { atStartup: true });
      await settle();

      // Assert: only db spawned; it is starting until it sends 'ready'.
      expect(launcher.requests.map((r) => r.name)).toEqual(['db']);
      expect(manager.status('api-1')).toMatchObject({ state: 'waiting', pid: null, reason: 'waiting for db (starting)' });
      expect(manager.status('web')).toMatchObject({ state: 'waiting', reason: 'waiting for api (api-1 waiting, api-2 waiting)' });

      // Act: db becomes ready.
      launcher.last.sendReady();
      await settle();

      // Assert: api's instances (no probe: running once spawned), then web.
      expect(launcher.requests.map((r) => r.name)).toEqual(['db', 'api-1', 'api-2', 'web']);
      expect(states(manager.statusAll())).toEqual(['db:running', 'api-1:running', 'api-2:running', 'web:running']);
      expect(pidsOf('web')).toHaveLength(1);
    });

    it('leaves the dependents waiting when a dependency fails, the reason saying so, and starts them once it runs again', async () => {
      // Arrange: db dies before it is ready; with maxRestarts 0 it is failed at once.
      const { launcher, manager } = setup([specOf({ name: 'db', waitReady: { timeoutMs: 60_000 }, maxRestarts: 0 }), specOf({ name: 'web', dependsOn: ['db'] })]);
      await manager.startAll();
      await settle();

      // Act
      launcher.last.exit(1);
      await settle();

      // Assert
      expect(manager.status('db').state).toBe('failed');
      expect(manager.status('web')).toMatchObject({ state: 'waiting', reason: 'waiting for db (failed)', restarts: 0 });
      expect(launcher.requests.map((r) => r.name)).toEqual(['db']);

      // Act: an operator starts db again and it gets ready.
      await manager.operatorStart('db');
      launcher.last.sendReady();
      await settle();

      // Assert
      expect(manager.status('web').state).toBe('running');
      expect(launcher.requests.map((r) => r.name)).toEqual(['db', 'db', 'web']);
    });

    it('holds a running dependent whose restart comes while its dependency is down, instead of crash-looping', async () => {
      // Arrange: db (no probe, never restarted) and web both run.
      const { launcher, manager, pidsOf } = setup([specOf({ name: 'db', autorestart: 'never' }), specOf({ name: 'web', dependsOn: ['db'] })]);
      await manager.startAll();
      await settle();
      const [db, web] = launcher.children;

      // Act: db exits; web, cut off, crashes; its backoff (100 ms) runs out.
      db.exit(1);
      await settle();
      web.exit(1);
      await jest.advanceTimersByTimeAsync(10_000);

      // Assert
      expect(manager.status('db').state).toBe('stopped');
      expect(manager.status('web')).toMatchObject({ state: 'waiting', pid: null, reason: 'waiting for db (stopped)' });
      expect(pidsOf('web')).toHaveLength(1);

      // Act: an operator starts db.
      await manager.operatorStart('db');
      await settle();

      // Assert: web follows.
      expect(manager.status('web').state).toBe('running');
      expect(pidsOf('web')).toHaveLength(2);
    });

    it('on a reload adding a dependent before its dependency in the file, declares the dependency first and waits for it', async () => {
      // Arrange
      const { launcher, manager } = setup([]);

      // Act
      const report = await manager.reload([specOf({ name: 'web', dependsOn: ['db'] }), specOf({ name: 'db', waitReady: { timeoutMs: 60_000 } })]);
      await settle();

      // Assert
      expect(report.started).toEqual(['db', 'web']);
      expect(manager.status('web')).toMatchObject({ state: 'waiting', reason: 'waiting for db (starting)' });
      expect(launcher.requests.map((r) => r.name)).toEqual(['db']);

      // Act
      launcher.last.sendReady();
      await settle();

      // Assert
      expect(launcher.requests.map((r) => r.name)).toEqual(['db', 'web']);
    });

    it('does not start a waiting instance an operator stopped meanwhile', async () => {
      // Arrange
      const { launcher, manager } = setup(chain());
      await manager.startAll();
      await settle();

      // Act
      await manager.operatorStop('web');
      launcher.last.sendReady();
      await settle();

      // Assert
      expect(manager.status('web').state).toBe('stopped');
      expect(launcher.requests.map((r) => r.name)).toEqual(['db', 'api-1', 'api-2']);
    });

    it('stops dependents before their dependencies on shutdown, each level in parallel', async () => {
      // Arrange: declared dependencies first, so a stop in declaration order would signal db first.
      const { launcher, manager } = setup(chain());
      await manager.startAll();
      launcher.last.sendReady();
      await settle();
      const order: string[] = [];
      manager.onEvent((event) => {
        if (event.to === 'stopping' || event.to === 'stopped') order.push(`${event.name} ${event.to}`);
      });

      // Act
      await manager.shutdown();

      // Assert
      expect(order).toEqual(['web stopping', 'web stopped', 'api-1 stopping', 'api-2 stopping', 'api-1 stopped', 'api-2 stopped', 'db stopping', 'db stopped']);
    });

    it('keeps the whole stop within the longest kill timeout, even when each level uses all of its own', async () => {
      // Arrange: every child ignores SIGTERM; kill timeouts 1000 ms each, in two levels.
      const { launcher, manager } = setup([specOf({ name: 'db' }), specOf({ name: 'web', dependsOn: ['db'] })]);
      launcher.onLaunch = (child) => void child.ignore('SIGTERM');
      await manager.startAll();
      await settle();
      const began = Date.now();
      const stoppedAt = new Map<string, number>();
      manager.onEvent((event) => {
        if (event.to === 'stopped') stoppedAt.set(event.name, Date.parse(event.at) - began);
      });

      // Act
      const done = manager.shutdown();
      await jest.advanceTimersByTimeAsync(5000);
      await done;

      // Assert: web used the 1000 ms, so db got its SIGKILL right after its SIGTERM (one at a time would take 2000 ms).
      expect(launcher.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL', 'SIGTERM', 'SIGKILL']);
      expect(stoppedAt.get('web')).toBeGreaterThanOrEqual(1000);
      expect(stoppedAt.get('db')).toBeLessThan(1500);
    });
  });

  describe('when shut down', () => {
    it('stops every child', async () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'web', instances: 2 }), specOf({ name: 'worker' })]);
      await manager.startAll();

      // Act
      await manager.shutdown();

      // Assert
      expect(manager.count('*', 'stopped')).toBe(3);
      expect(launcher.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
    });
  });

  describe('when reloaded with a new set of specs', () => {
    it('starts the new, stops the gone, restarts the changed and leaves the unchanged alone', async () => {
      // Arrange
      const { launcher, manager, pidsOf } = setup([
        specOf({ name: 'web', instances: 2, env: { A: '1', B: '2' } }),
        specOf({ name: 'worker', command: 'node' }),
        specOf({ name: 'old' }),
      ]);
      await manager.startAll();
      const signalsBefore = launcher.signals.length;

      // Act
      const report = await manager.reload([
        specOf({ name: 'web', instances: 2, env: { B: '2', A: '1' } }),
        specOf({ name: 'worker', command: 'bun' }),
        specOf({ name: 'fresh' }),
      ]);

      // Assert
      expect(signalsBefore).toBe(0);
      expect(report).toEqual({ started: ['fresh'], stopped: ['old'], restarted: ['worker'], unchanged: ['web'], rolls: [] });
      expect(pidsOf('web-1')).toHaveLength(1);
      expect(pidsOf('web-2')).toHaveLength(1);
      expect(launcher.signalsTo(pidsOf('web-1')[0])).toEqual([]);
      expect(launcher.signalsTo(pidsOf('web-2')[0])).toEqual([]);
      expect(launcher.signalsTo(pidsOf('old')[0])).toEqual(['SIGTERM']);
      expect(launcher.signalsTo(pidsOf('worker')[0])).toEqual(['SIGTERM']);
      expect(launcher.children.filter((c) => c.request.name === 'worker').map((c) => c.request.command)).toEqual(['node', 'bun']);
      expect(manager.has('old')).toBe(false);
      expect(states(manager.statusAll())).toEqual(['web-1:running', 'web-2:running', 'worker:running', 'fresh:running']);
    });

    it('replaces the instances of a spec whose instance count changed', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web', instances: 2 })]);
      await manager.startAll();

      // Act
      const report = await manager.reload([specOf({ name: 'web', instances: 1 })]);

      // Assert
      expect(report.restarted).toEqual(['web']);
      expect([manager.has('web-1'), manager.has('web-2'), manager.has('web')]).toEqual([false, false, true]);
      expect(states(manager.statusAll())).toEqual(['web:running']);
    });

    it('leaves an unchanged, stopped process stopped', async () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'web' })]);

      // Act
      const report = await manager.reload([specOf({ name: 'web' })]);

      // Assert
      expect(report.unchanged).toEqual(['web']);
      expect(launcher.launchCount).toBe(0);
      expect(manager.status('web').state).toBe('stopped');
    });
  });

  describe('when reloads, commands and shutdown overlap (stops take the kill timeout)', () => {
    const v1 = () => [specOf({ name: 'web', command: 'node' }), specOf({ name: 'beta' })];
    const v2 = () => [specOf({ name: 'web', command: 'bun', instances: 2 }), specOf({ name: 'gamma' })];

    /** Children ignore SIGTERM, so each stop waits killTimeoutMs (1 s) for SIGKILL. */
    async function slowStopping() {
      const ctx = setup(v1());
      ctx.launcher.onLaunch = (child) => void child.ignore('SIGTERM');
      await ctx.manager.startAll();
      /** Live children must be exactly the listed pids: nothing untracked, nothing listed that is gone. */
      const untracked = () => {
        const listed = new Set(ctx.manager.statusAll().map((st) => st.pid));
        return ctx.launcher.children.filter((c) => c.alive && !listed.has(c.pid)).map((c) => c.request.name);
      };
      return { ...ctx, untracked };
    }

    it('refuses to declare over an instance that is not retired, so its child can never be dropped', async () => {
      // Arrange
      const { manager, launcher } = setup([specOf({ name: 'web' })]);
      await manager.start('web');

      // Act
      const redeclare = () => manager.declare([specOf({ name: 'web', command: 'bun' })]);

      // Assert
      expect(redeclare).toThrow('Cannot redeclare "web" while it is running');
      expect(manager.status('web')).toMatchObject({ state: 'running', pid: 1000 });
      expect(launcher.children.filter((c) => c.alive).map((c) => c.pid)).toEqual([1000]);
    });

    it('runs a second reload after the first, so the last one wins and no child is dropped', async () => {
      // Arrange
      const { manager, launcher, untracked } = await slowStopping();

      // Act
      const first = manager.reload(v2());
      await settle();
      const second = manager.reload(v1());
      await jest.advanceTimersByTimeAsync(10_000);
      const reports = await Promise.all([first, second]);

      // Assert
      expect(reports[0]).toEqual({ started: ['gamma'], stopped: ['beta'], restarted: ['web'], unchanged: [], rolls: [] });
      expect(reports[1]).toEqual({ started: ['beta'], stopped: ['gamma'], restarted: ['web'], unchanged: [], rolls: [] });
      expect(states(manager.statusAll())).toEqual(['web:running', 'beta:running']);
      expect(launcher.children.find((c) => c.pid === manager.status('web').pid)!.request.command).toBe('node');
      expect(untracked()).toEqual([]);
    });

    it('refuses to start an instance a reload is retiring, and leaves nothing untracked', async () => {
      // Arrange
      const { manager, untracked } = await slowStopping();
      const reload = manager.reload(v2());
      await settle();

      // Act: the operator's start is queued behind the reload's stop of the old `beta`.
      const start = manager.operatorStart('beta');
      const refused = expect(start).rejects.toThrow('retired');
      await jest.advanceTimersByTimeAsync(10_000);
      await reload;

      // Assert
      await refused;
      expect(manager.has('beta')).toBe(false);
      expect(untracked()).toEqual([]);
    });

    it('stops everything on shutdown, including what a reload under way was about to start', async () => {
      // Arrange
      const { manager, launcher } = await slowStopping();
      const reload = manager.reload(v2());
      const reloadOutcome = reload.then(
        () => 'applied',
        (error: Error) => error.message,
      );
      await settle();

      // Act
      const shutdown = manager.shutdown();
      await jest.advanceTimersByTimeAsync(10_000);
      await shutdown;

      // Assert
      expect(await reloadOutcome).toContain('shutting down');
      expect(launcher.children.filter((c) => c.alive)).toEqual([]);
      expect(manager.count('*', 'running')).toBe(0);
      await expect(manager.start('web')).rejects.toThrow('retired');
      await expect(manager.startAll()).resolves.toEqual([]);
      expect(launcher.children.filter((c) => c.alive)).toEqual([]);
    });
  });

  describe('when an operator starts a process', () => {
    it('stores the intent "running" before starting it', async () => {
      // Arrange
      const { manager, desired } = setup([specOf({ name: 'job', autorestart: 'never' })]);
      const seen: ProcessEvent[] = [];
      manager.onEvent((event) => seen.push(event));

      // Act
      const status = await manager.operatorStart('job');

      // Assert
      expect(desired.journal).toEqual(['set job running by operator']);
      expect(desired.get('job')).toBe('running');
      expect(status.state).toBe('running');
      expect(seen[0]).toMatchObject({ from: 'stopped', to: 'starting', reason: 'start requested by an operator' });
    });
  });

  describe('when an operator stops a process', () => {
    it('stores the intent "stopped" and stops it', async () => {
      // Arrange
      const { launcher, manager, desired } = setup([specOf({ name: 'web' })]);
      await manager.start('web');

      // Act
      const status = await manager.operatorStop('web');

      // Assert
      expect(desired.journal).toEqual(['set web stopped by operator']);
      expect(desired.get('web')).toBe('stopped');
      expect(status).toMatchObject({ state: 'stopped', reason: 'stop requested by an operator' });
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
    });
  });

  describe('when an operator restarts a process they had stopped', () => {
    it('stores the intent "running" again, so the reconciler does not stop it', async () => {
      // Arrange
      const { manager, desired } = setup([specOf({ name: 'web' })]);
      await manager.operatorStop('web');

      // Act
      const status = await manager.operatorRestart('web');

      // Assert
      expect(desired.get('web')).toBe('running');
      expect(desired.journal).toEqual(['set web stopped by operator', 'set web running by operator']);
      expect(status.state).toBe('running');
    });
  });

  describe('when an operator names an undeclared process', () => {
    it.each<[string, (m: ProcessManager) => Promise<unknown>]>([
      ['operatorStart', (m) => m.operatorStart('nope')],
      ['operatorStop', (m) => m.operatorStop('nope')],
    ])('%s rejects and stores no intent', async (_label, act) => {
      // Arrange
      const { manager, desired, launcher } = setup([specOf({ name: 'web' })]);

      // Act
      const result = act(manager);

      // Assert
      await expect(result).rejects.toThrow(UnknownProcessError);
      expect(desired.journal).toEqual([]);
      expect(launcher.launchCount).toBe(0);
    });
  });

  describe('when startAll runs after an operator stopped some instances', () => {
    it('starts every other match and leaves those stopped', async () => {
      // Arrange
      const { launcher, manager } = setup([specOf({ name: 'web', instances: 2 }), specOf({ name: 'worker' })]);
      await manager.operatorStop('web-2');

      // Act
      const started = await manager.startAll();

      // Assert
      expect(states(started)).toEqual(['web-1:running', 'worker:running']);
      expect(states(manager.statusAll())).toEqual(['web-1:running', 'web-2:stopped', 'worker:running']);
      expect(launcher.requests.map((r) => r.name)).toEqual(['web-1', 'worker']);
    });

    it('honours an intent stored before this manager existed (a backend restart)', async () => {
      // Arrange
      const stored = new RecordingDesiredState();
      stored.set('worker', 'stopped', 'operator');
      stored.set('web', 'running', 'operator');
      const { manager } = setup([specOf({ name: 'web' }), specOf({ name: 'worker' })], stored);

      // Act
      await manager.startAll();

      // Assert
      expect(states(manager.statusAll())).toEqual(['web:running', 'worker:stopped']);
    });
  });

  describe('when a spec has autostart false (PM2)', () => {
    it('is left stopped by the start-up startAll, unless an operator started it, and by a reload that adds it', async () => {
      // Arrange
      const stored = new RecordingDesiredState();
      stored.set('kept', 'running', 'operator');
      const { launcher, manager } = setup(
        [specOf({ name: 'web' }), specOf({ name: 'manual', autostart: false }), specOf({ name: 'kept', autostart: false })],
        stored,
      );

      // Act
      await manager.startAll('*', { atStartup: true });
      await manager.reload([...['web', 'kept'].map((name) => specOf({ name, autostart: name === 'web' })), specOf({ name: 'manual', autostart: false }), specOf({ name: 'added', autostart: false })]);

      // Assert
      expect(launcher.requests.map((r) => r.name)).toEqual(['web', 'kept']);
      expect(states(manager.statusAll()).sort()).toEqual(['added:stopped', 'kept:running', 'manual:stopped', 'web:running']);
    });

    it('is started by an explicit startAll or start', async () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'manual', autostart: false })]);

      // Act
      const started = await manager.startAll();

      // Assert
      expect(states(started)).toEqual(['manual:running']);
    });
  });

  describe('when reloaded after an operator stated intents', () => {
    it('forgets the intent of new and changed specs and keeps that of unchanged ones', async () => {
      // Arrange
      const { manager, desired } = setup([specOf({ name: 'web', instances: 2 }), specOf({ name: 'worker', command: 'node' }), specOf({ name: 'steady' })]);
      await manager.operatorStop('web-1');
      await manager.operatorStop('web-2');
      await manager.operatorStop('steady');
      desired.set('fresh', 'stopped', 'a previous config');
      await manager.operatorStop('worker');

      // Act
      const report = await manager.reload([
        specOf({ name: 'web', instances: 2, env: { CHANGED: '1' } }),
        specOf({ name: 'worker', command: 'bun' }),
        specOf({ name: 'steady' }),
        specOf({ name: 'fresh' }),
      ]);

      // Assert
      expect(report).toMatchObject({ started: ['fresh'], stopped: [], restarted: ['web', 'worker'], unchanged: ['steady'] });
      // web has two instances: the reload rolled it, one at a time.
      expect(report.rolls).toEqual([expect.objectContaining({ spec: 'web', source: 'reload', ok: true, replaced: ['web-1', 'web-2'] })]);
      expect(['web-1', 'web-2', 'worker', 'fresh', 'steady'].map((n) => desired.get(n))).toEqual([null, null, null, null, 'stopped']);
      // Rolled in place: web keeps its place in the list.
      expect(states(manager.statusAll())).toEqual(['web-1:running', 'web-2:running', 'steady:stopped', 'worker:running', 'fresh:running']);
    });
  });

  describe('when asked what a process should be', () => {
    it.each<[string, Desired | null, Partial<ProcessSpec>, Desired | null]>([
      ['autorestart "always", no intent', 'running', { autorestart: 'always' }, null],
      ['autorestart "on-failure", no intent', null, { autorestart: 'on-failure' }, null],
      ['autorestart "never", no intent', null, { autorestart: 'never' }, null],
      ['autorestart "always", stopped by an operator', 'stopped', { autorestart: 'always' }, 'stopped'],
      ['autorestart "never", started by an operator', 'running', { autorestart: 'never' }, 'running'],
      ['autostart false, no intent', null, { autorestart: 'always', autostart: false }, null],
      ['autostart false, started by an operator', 'running', { autorestart: 'always', autostart: false }, 'running'],
    ])('with %s, answers %p', (_label, expected, fields, stored) => {
      // Arrange
      const desired = new RecordingDesiredState();
      if (stored) desired.set('web', stored);
      const { manager } = setup([specOf({ name: 'web', ...fields })], desired);

      // Act
      const answer = manager.desiredOf('web');

      // Assert
      expect(answer).toBe(expected);
    });

    it('throws UnknownProcessError for an undeclared name', () => {
      // Arrange
      const { manager } = setup([specOf({ name: 'web' })]);

      // Act & Assert
      expect(() => manager.desiredOf('nope')).toThrow(UnknownProcessError);
    });
  });
});
