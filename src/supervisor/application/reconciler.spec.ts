import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ProcessSpec } from '../domain/process-spec.js';
import { InMemoryDesiredState } from './ports/desired-state.port.js';
import { ProcessManager } from './process-manager.service.js';
import type { ProcessEvent } from './process-status.js';
import { Reconciler, type Correction } from './reconciler.js';
import { Deferred, FakeLauncher, FakeProbe, InMemoryChildRegistry, InMemoryOutputStore, specOf } from './testing/fakes.js';

const INTERVAL_MS = 1000;

function setup(specs: ProcessSpec[], random: () => number = () => 0.5) {
  const launcher = new FakeLauncher();
  const desired = new InMemoryDesiredState();
  const manager = new ProcessManager(launcher, new FakeProbe(), new InMemoryOutputStore(), new InMemoryChildRegistry(), 'instance-7', desired);
  manager.declare(specs);
  const events: ProcessEvent[] = [];
  manager.onEvent((event) => events.push(event));
  const corrections: Correction[] = [];
  const reconciler = new Reconciler(manager, INTERVAL_MS, (c) => corrections.push(c), random);
  return { launcher, desired, manager, events, corrections, reconciler };
}

/** Lets pending promise reactions (child exits, queued commands) run without moving the clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe('Reconciler', () => {
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

  describe('when an operator wants a process running that nothing started', () => {
    it('starts it, saying why in the event', async () => {
      // Arrange: the intent is stored (an earlier backend), but this one has not started it.
      const { launcher, manager, desired, events, reconciler } = setup([specOf({ name: 'job', autorestart: 'never' })]);
      desired.set('job', 'running');

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(corrections).toEqual([{ name: 'job', action: 'start', reason: 'reconciler: desired running, found stopped' }]);
      expect(events[0]).toMatchObject({ name: 'job', from: 'stopped', to: 'starting', reason: 'reconciler: desired running, found stopped' });
      expect(manager.status('job')).toMatchObject({ state: 'running', pid: 1000 });
      expect(launcher.launchCount).toBe(1);
    });
  });

  describe.each([
    ['autorestart "never", any exit', { autorestart: 'never' as const, maxRestarts: 3 }, 1],
    ['autorestart "on-failure", a clean exit', { autorestart: 'on-failure' as const, maxRestarts: 2 }, 0],
  ])('when an operator started a process its own policy then stops each time (%s)', (_, policy, code) => {
    it('restarts it from the maxRestarts budget, then gives up (failed), never without limit', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'job', ...policy })]);
      await manager.operatorStart('job');

      // Act: many passes, each after the child exited
      const actions: string[] = [];
      for (let i = 0; i < 10; i++) {
        if (manager.status('job').state === 'running') launcher.last.exit(code);
        await settle();
        actions.push(...(await reconciler.pass()).map((c) => c.action));
      }

      // Assert
      expect(launcher.launchCount).toBe(1 + policy.maxRestarts);
      expect(actions).toEqual([...Array(policy.maxRestarts).fill('start'), 'give-up']);
      expect(manager.status('job')).toMatchObject({ state: 'failed', restarts: policy.maxRestarts });
      expect(manager.status('job').reason).toContain(`(maxRestarts ${policy.maxRestarts})`);
    });
  });

  describe('when an operator stopped a process that is running', () => {
    it('stops it', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'web' })]);
      await manager.operatorStop('web');
      await manager.start('web');

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(corrections).toEqual([{ name: 'web', action: 'stop', reason: 'reconciler: desired stopped, found running' }]);
      expect(manager.status('web').state).toBe('stopped');
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
    });
  });

  describe('when an operator stopped a process that is waiting in backoff', () => {
    it('stops it, so the pending restart never happens', async () => {
      // Arrange
      const { launcher, desired, manager, reconciler } = setup([specOf({ name: 'web' })]);
      await manager.start('web');
      desired.set('web', 'stopped');
      launcher.last.exit(1);
      await settle();
      const stateBefore = manager.status('web').state;

      // Act
      const corrections = await reconciler.pass();
      await advance(5000);

      // Assert
      expect(stateBefore).toBe('backoff');
      expect(corrections).toEqual([{ name: 'web', action: 'stop', reason: 'reconciler: desired stopped, found backoff' }]);
      expect(manager.status('web').state).toBe('stopped');
      expect(launcher.launchCount).toBe(1);
    });
  });

  describe('when no intent is stored', () => {
    it('treats autorestart "always" as desired running and starts it', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'web', autorestart: 'always' })]);

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(corrections).toEqual([{ name: 'web', action: 'start', reason: 'reconciler: desired running, found stopped' }]);
      expect(manager.status('web').state).toBe('running');
      expect(launcher.launchCount).toBe(1);
    });

    it.each(['on-failure', 'never'] as const)('leaves a stopped and a running process with autorestart "%s" alone', async (autorestart) => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'idle', autorestart }), specOf({ name: 'busy', autorestart })]);
      await manager.start('busy');

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(corrections).toEqual([]);
      expect([manager.status('idle').state, manager.status('busy').state]).toEqual(['stopped', 'running']);
      expect(launcher.launchCount).toBe(1);
      expect(launcher.signals).toEqual([]);
    });
  });

  describe('when a process that should run has failed or is in backoff', () => {
    it('leaves both to the restart policy', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([
        specOf({ name: 'broken', maxRestarts: 0 }),
        specOf({ name: 'flaky', autorestart: 'on-failure' }),
      ]);
      await manager.start('broken');
      await manager.operatorStart('flaky');
      launcher.children[0].exit(1);
      launcher.children[1].exit(1);
      await settle();
      const before = [manager.desiredOf('broken'), manager.desiredOf('flaky'), manager.status('broken').state, manager.status('flaky').state];

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(before).toEqual(['running', 'running', 'failed', 'backoff']);
      expect(corrections).toEqual([]);
      expect([manager.status('broken').state, manager.status('flaky').state]).toEqual(['failed', 'backoff']);
      expect(launcher.launchCount).toBe(2);
    });
  });

  describe('when the PID of a running instance now has another start time (a missed exit)', () => {
    it('records the exit without signalling that PID and lets the restart policy restart it', async () => {
      // Arrange
      const { launcher, manager, events, reconciler } = setup([specOf({ name: 'web' })]);
      await manager.start('web');
      launcher.setStartTime(1000, 'someone-else');

      // Act
      const corrections = await reconciler.pass();
      await advance(100);

      // Assert
      const reason = 'reconciler: PID 1000 is no longer the process it started';
      expect(corrections).toEqual([{ name: 'web', action: 'exit-recorded', reason }]);
      expect(launcher.signalsTo(1000)).toEqual([]);
      expect(events.find((e) => e.to === 'backoff')).toMatchObject({ pid: 1000, reason: `${reason}; restarting in 100 ms (attempt 1)` });
      expect(manager.status('web')).toMatchObject({ state: 'running', pid: 1001, restarts: 1 });
    });

    it('leaves it stopped when its policy says so (autorestart "never")', async () => {
      const { launcher, manager, reconciler } = setup([specOf({ name: 'job', autorestart: 'never' })]);
      await manager.start('job');
      launcher.setStartTime(1000, 'someone-else');

      await reconciler.pass();

      expect(manager.status('job')).toMatchObject({ state: 'stopped', pid: null });
      expect(launcher.launchCount).toBe(1);
    });
  });

  describe('when a child has exited but its exit is not handled yet', () => {
    it('is not "replaced": the exit decides, and the restart count goes on', async () => {
      // Arrange: two crashes already counted.
      const { launcher, manager, events, reconciler } = setup([specOf({ name: 'crasher', maxRestarts: 5 })]);
      await manager.start('crasher');
      for (const delay of [100, 200]) {
        launcher.last.exit(1);
        await advance(delay);
      }
      const before = manager.status('crasher').restarts;
      events.length = 0;

      // Act: the pass begins in the same turn as the exit, before its event is handled.
      launcher.last.exit(1);
      const corrections = await reconciler.pass();
      await advance(400);

      // Assert
      expect(before).toBe(2);
      expect(corrections).toEqual([]);
      expect(events.filter((e) => e.reason.startsWith('reconciler:'))).toEqual([]);
      expect(manager.status('crasher')).toMatchObject({ state: 'running', restarts: 3 });
      expect(launcher.launchCount).toBe(4);
    });

    it('lets a crash loop reach "failed" after exactly maxRestarts restarts', async () => {
      // Arrange
      const { launcher, manager, corrections, reconciler } = setup([
        specOf({ name: 'crasher', maxRestarts: 5, backoff: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, resetAfterMs: 60_000 } }),
      ]);
      await manager.start('crasher');

      // Act: every crash meets a pass in the same turn.
      for (let i = 0; i < 10 && manager.status('crasher').state !== 'failed'; i++) {
        launcher.last.exit(1);
        await reconciler.pass();
        await advance(10);
      }

      // Assert
      expect(manager.status('crasher')).toMatchObject({ state: 'failed', restarts: 5 });
      expect(launcher.launchCount).toBe(6);
      expect(corrections).toEqual([]);
    });
  });

  describe('when an operator-desired process is started by a correction', () => {
    it('counts it as a restart, not a fresh operator start', async () => {
      // Arrange
      const { launcher, manager, desired, reconciler } = setup([specOf({ name: 'job', autorestart: 'on-failure', maxRestarts: 1 })]);
      desired.set('job', 'running');

      // Act
      await reconciler.pass();
      launcher.last.exit(1);
      await advance(100);
      launcher.last.exit(1);
      await settle();

      // Assert: the correction used the budget like any restart.
      expect(manager.status('job')).toMatchObject({ state: 'failed', restarts: 2 });
    });
  });

  describe('when a reload removes a process during a pass', () => {
    it('never leaves a child the manager no longer lists', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'a' }), specOf({ name: 'b' })]);

      // Act: the pass has listed `a` and `b`; the reload drops `a` behind the pass's look at it.
      const pass = reconciler.pass();
      const reload = manager.reload([specOf({ name: 'b' })]);
      const [corrections] = await Promise.all([pass, reload]);
      const again = await reconciler.pass();

      // Assert
      expect(corrections.map((c) => `${c.name}:${c.action}`)).toEqual(['a:start', 'b:start']);
      expect(again).toEqual([]);
      expect(manager.statusAll().map((s) => `${s.name}:${s.state}`)).toEqual(['b:running']);
      expect(launcher.children.filter((c) => c.alive).map((c) => c.pid)).toEqual([manager.status('b').pid]);
    });
  });

  describe('when the PID of a running instance is still its own', () => {
    it('does nothing', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'web' })]);
      await manager.start('web');

      // Act
      const corrections = await reconciler.pass();

      // Assert
      expect(corrections).toEqual([]);
      expect(manager.status('web').pid).toBe(1000);
      expect(launcher.signals).toEqual([]);
    });
  });

  describe('when a pass corrects several processes', () => {
    it('calls onCorrection once for each, in order, with what it returns', async () => {
      // Arrange
      const { manager, corrections, reconciler } = setup([specOf({ name: 'a' }), specOf({ name: 'b' }), specOf({ name: 'c', autorestart: 'never' })]);
      await manager.operatorStop('b');
      await manager.start('b');

      // Act
      const returned = await reconciler.pass();

      // Assert
      expect(returned.map((c) => `${c.name}:${c.action}`)).toEqual(['a:start', 'b:stop']);
      expect(corrections).toEqual(returned);
    });
  });

  describe('when stopped while a pass is under way', () => {
    it('makes no further corrections in that pass', async () => {
      // Arrange
      const { launcher, manager, reconciler } = setup([specOf({ name: 'a' }), specOf({ name: 'b' })]);
      const release = launcher.holdLaunches();
      const pass = reconciler.pass();
      await settle();

      // Act
      reconciler.stop();
      release();
      const corrections = await pass;

      // Assert
      expect(corrections.map((c) => `${c.name}:${c.action}`)).toEqual(['a:start']);
      expect(manager.status('b').state).toBe('stopped');
      expect(launcher.requests.map((r) => r.name)).toEqual(['a']);
    });
  });

  describe('when started', () => {
    /** Replaces pass with a counter; each call waits for `gate` when one is set. */
    function countPasses(reconciler: Reconciler) {
      const counter = { calls: 0, gate: null as Deferred<Correction[]> | null };
      jest.spyOn(reconciler, 'pass').mockImplementation(() => {
        counter.calls += 1;
        return counter.gate ? counter.gate.promise : Promise.resolve([]);
      });
      return counter;
    }

    it('runs a pass every interval', async () => {
      // Arrange
      const { reconciler } = setup([]);
      const passes = countPasses(reconciler);

      // Act
      reconciler.start();
      await advance(INTERVAL_MS - 1);
      const beforeFirst = passes.calls;
      await advance(1);
      const afterFirst = passes.calls;
      await advance(2 * INTERVAL_MS);
      reconciler.stop();

      // Assert
      expect([beforeFirst, afterFirst, passes.calls]).toEqual([0, 1, 3]);
    });

    it('never overlaps passes: a slow pass delays the next by a whole interval after it ends', async () => {
      // Arrange
      const { reconciler } = setup([]);
      const passes = countPasses(reconciler);
      passes.gate = new Deferred<Correction[]>();
      reconciler.start();
      await advance(INTERVAL_MS);

      // Act
      await advance(10 * INTERVAL_MS);
      const whileSlow = passes.calls;
      passes.gate.resolve([]);
      passes.gate = null;
      await advance(INTERVAL_MS - 1);
      const justBeforeNext = passes.calls;
      await advance(1);
      reconciler.stop();

      // Assert
      expect([whileSlow, justBeforeNext, passes.calls]).toEqual([1, 1, 2]);
    });

    it('keeps scheduling after a pass that rejects', async () => {
      // Arrange
      const { reconciler } = setup([]);
      let calls = 0;
      jest.spyOn(reconciler, 'pass').mockImplementation(() => {
        calls += 1;
        return Promise.reject(new Error('boom'));
      });

      // Act
      reconciler.start();
      await advance(3 * INTERVAL_MS);
      reconciler.stop();

      // Assert
      expect(calls).toBe(3);
    });

    it.each([
      [0, 800],
      [0.5, 1000],
      [0.99, 1196],
    ])('with random() = %s waits %s ms (interval ±20 %%)', async (random, expectedDelay) => {
      // Arrange
      const { reconciler } = setup([], () => random);
      const passes = countPasses(reconciler);

      // Act
      reconciler.start();
      await advance(expectedDelay - 1);
      const justBefore = passes.calls;
      await advance(1);
      reconciler.stop();

      // Assert
      expect([justBefore, passes.calls]).toEqual([0, 1]);
    });

    it('with the default random, waits between 80 % and 120 % of the interval', async () => {
      // Arrange
      const launcher = new FakeLauncher();
      const manager = new ProcessManager(launcher, new FakeProbe(), new InMemoryOutputStore(), new InMemoryChildRegistry(), 'instance-7');
      const reconciler = new Reconciler(manager, INTERVAL_MS);
      const passes = countPasses(reconciler);

      // Act
      reconciler.start();
      await advance(0.8 * INTERVAL_MS - 1);
      const beforeWindow = passes.calls;
      await advance(0.4 * INTERVAL_MS + 1);
      reconciler.stop();

      // Assert
      expect([beforeWindow, passes.calls]).toEqual([0, 1]);
    });
  });

  describe('when stopped', () => {
    it('runs no further passes', async () => {
      // Arrange
      const { reconciler } = setup([]);
      const passes = { calls: 0 };
      jest.spyOn(reconciler, 'pass').mockImplementation(async () => {
        passes.calls += 1;
        return [];
      });
      reconciler.start();
      await advance(INTERVAL_MS);

      // Act
      reconciler.stop();
      await advance(10 * INTERVAL_MS);

      // Assert
      expect(passes.calls).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('schedules nothing after a pass that was under way', async () => {
      // Arrange
      const { reconciler } = setup([]);
      const gate = new Deferred<Correction[]>();
      let calls = 0;
      jest.spyOn(reconciler, 'pass').mockImplementation(() => {
        calls += 1;
        return gate.promise;
      });
      reconciler.start();
      await advance(INTERVAL_MS);

      // Act
      reconciler.stop();
      gate.resolve([]);
      await advance(10 * INTERVAL_MS);

      // Assert
      expect(calls).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
