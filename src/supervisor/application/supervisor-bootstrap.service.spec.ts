import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import type { LifecycleState } from '../../lifecycle/domain/process-state.entity.js';
import type { ShutdownStep } from '../../lifecycle/application/shutdown-sequence.js';
import type { ProcessSpec } from '../domain/process-spec.js';
import { ProcessManager } from './process-manager.service.js';
import { ReloadOutcomes } from './reload-outcomes.js';
import { SupervisorBootstrap, type IProcessConfigSource } from './supervisor-bootstrap.service.js';
import { FakeStrayFinder } from './testing/fake-stray-finder.js';
import { FakeLauncher, FakeProbe, InMemoryChildRegistry, InMemoryOutputStore, specOf } from './testing/fakes.js';

/** The part of the lifecycle the supervisor registers with, recording what it was given. */
class FakeLifecycle {
  currentState: LifecycleState = 'starting';
  readonly steps: ShutdownStep[] = [];
  readonly startupHooks: { name: string; run: () => Promise<void> }[] = [];
  readonly reloadHandlers: (() => Promise<void>)[] = [];

  registerShutdownStep(step: ShutdownStep): void {
    this.steps.push(step);
  }

  registerEmergencyStop(): void {}

  registerReloadHandler(_name: string, handler: () => Promise<void>): void {
    this.reloadHandlers.push(handler);
  }

  registerStartupHook(name: string, run: () => Promise<void>): void {
    this.startupHooks.push({ name, run });
  }
}

/** A config file whose content the test swaps; counts how often it is read. */
class FakeSource implements IProcessConfigSource {
  readonly path = '/etc/procguard/processes.yaml';
  reads = 0;
  /** Set: the next reads reject as an invalid file would. */
  rejection: Error | null = null;
  constructor(public specs: ProcessSpec[]) {}

  load(): Promise<ProcessSpec[]> {
    this.reads += 1;
    if (this.rejection) return Promise.reject(this.rejection);
    return Promise.resolve(this.specs);
  }
}

const v1 = () => [specOf({ name: 'web', command: 'node' })];
const v2 = () => [specOf({ name: 'web', command: 'bun' }), specOf({ name: 'extra' })];
const v3 = () => [specOf({ name: 'web', command: 'deno' })];

function setup(specs: ProcessSpec[]) {
  const launcher = new FakeLauncher();
  const output = new InMemoryOutputStore();
  const registry = new InMemoryChildRegistry();
  const manager = new ProcessManager(launcher, new FakeProbe(), output, registry, 'instance-7');
  const lifecycle = new FakeLifecycle();
  const source = new FakeSource(specs);
  const outcomes = new ReloadOutcomes();
  const bootstrap = new SupervisorBootstrap(
    manager,
    lifecycle as unknown as ApplicationLifecycleService,
    specs,
    source,
    registry,
    new FakeStrayFinder(),
    output,
    1_000_000,
    outcomes,
  );
  return { launcher, manager, lifecycle, source, bootstrap, outcomes };
}

describe('SupervisorBootstrap', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));
  beforeEach(() => jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  describe('when the app is built (before the port is bound)', () => {
    it('declares but starts nothing; the start-up hook starts the agents', async () => {
      // Arrange
      const { launcher, manager, lifecycle, bootstrap } = setup(v1());

      // Act
      await bootstrap.onApplicationBootstrap();
      const launchedBeforeHooks = launcher.launchCount;
      for (const hook of lifecycle.startupHooks) await hook.run();

      // Assert
      expect(launchedBeforeHooks).toBe(0);
      expect(lifecycle.startupHooks.map((h) => h.name)).toEqual(['start agents']);
      expect(manager.status('web').state).toBe('running');
    });
  });

  describe('when SIGHUPs come while a reload is still stopping instances', () => {
    it('coalesces them into one more pass that reads the file again: the last file wins', async () => {
      // Arrange: stops wait the whole kill timeout (children ignore SIGTERM).
      const { launcher, manager, lifecycle, source, bootstrap } = setup(v1());
      launcher.onLaunch = (child) => void child.ignore('SIGTERM');
      await bootstrap.onApplicationBootstrap();
      for (const hook of lifecycle.startupHooks) await hook.run();
      source.specs = v2();

      // Act
      const first = bootstrap.reload();
      await jest.advanceTimersByTimeAsync(0);
      source.specs = v3();
      const later = [bootstrap.reload(), bootstrap.reload(), bootstrap.reload()];
      await jest.advanceTimersByTimeAsync(20_000);
      await Promise.all([first, ...later]);

      // Assert
      // One read for the first SIGHUP, one for the three that came while it ran.
      expect(source.reads).toBe(2);
      expect(manager.statusAll().map((s) => `${s.name}:${s.state}`)).toEqual(['web:running']);
      expect(launcher.children.find((c) => c.pid === manager.status('web').pid)!.request.command).toBe('deno');
      const listed = new Set(manager.statusAll().map((s) => s.pid));
      expect(launcher.children.filter((c) => c.alive && !listed.has(c.pid))).toEqual([]);
    });
  });

  describe('when a reload is asked for', () => {
    it('keeps the outcome of a pass that applied the file, naming who asked, and tells listeners', async () => {
      const { lifecycle, source, bootstrap, outcomes } = setup(v1());
      await bootstrap.onApplicationBootstrap();
      for (const hook of lifecycle.startupHooks) await hook.run();
      const heard: string[] = [];
      outcomes.onOutcome((o) => heard.push(`${o.source}:${o.ok}`));
      source.specs = v2();

      const answer = bootstrap.reload('api');
      await jest.advanceTimersByTimeAsync(20_000);
      const outcome = await answer;

      expect(outcome).toEqual({ at: expect.any(String), source: 'api', ok: true, started: ['extra'], stopped: [], restarted: ['web'], unchanged: 0 });
      expect(outcomes.last).toBe(outcome);
      expect(heard).toEqual(['api:true']);
    });

    it('keeps why a file was rejected, and changes nothing', async () => {
      const { manager, lifecycle, source, bootstrap, outcomes } = setup(v1());
      await bootstrap.onApplicationBootstrap();
      for (const hook of lifecycle.startupHooks) await hook.run();
      const pid = manager.status('web').pid;
      source.rejection = new Error('processes[0].command must be a string');

      await lifecycle.reloadHandlers[0]();

      expect(outcomes.last).toEqual({
        at: expect.any(String),
        source: 'SIGHUP',
        ok: false,
        started: [],
        stopped: [],
        restarted: [],
        unchanged: 1,
        error: `${source.path} rejected: processes[0].command must be a string`,
      });
      expect(manager.status('web').pid).toBe(pid);
    });
  });
});
