import { jest } from '@jest/globals';
import type { ProcessSpec } from '../domain/process-spec.js';
import { ManagedProcess } from './managed-process.js';
import type { ProcessEvent } from './process-status.js';
import { ProbeObservations, type ProbeCheck } from './probe-observations.js';
import { ResourceSampler } from './resource-sampler.js';
import { FakeGroupUsageReader, FakeLauncher, FakeProbe, InMemoryChildRegistry, instanceOf } from './testing/fakes.js';

const T0 = new Date('2024-01-01T00:00:00.000Z');
/** Taken before the fake timers: one real turn of the event loop, which no fake timer can fire in. */
const realSetImmediate = setImmediate;
const realTurn = () => new Promise((resolve) => realSetImmediate(resolve));
const TCP_PROBE = { target: { kind: 'tcp', host: '127.0.0.1', port: null }, intervalMs: 100, timeoutMs: 50, failureThreshold: 3, startupGraceMs: 500 } as const;

function setup(fields: Partial<ProcessSpec> = {}) {
  const launcher = new FakeLauncher();
  const probe = new FakeProbe();
  const registry = new InMemoryChildRegistry();
  const events: ProcessEvent[] = [];
  const usage = new FakeGroupUsageReader();
  const resources = new ResourceSampler(usage);
  const probes = new ProbeObservations();
  const checks: ProbeCheck[] = [];
  probes.subscribe((check) => checks.push(check));
  const proc = new ManagedProcess(instanceOf(fields), {
    launcher,
    probe,
    registry,
    ownerInstanceId: 'instance-1',
    globalEnv: () => ({ SHARED: 'yes' }),
    emit: (event) => events.push(event),
    resources,
    probes,
  });
  const moves = () => events.map((e) => `${e.from}->${e.to}`);
  return { launcher, probe, registry, events, moves, proc, usage, resources, checks };
}

/** Lets every pending promise reaction run (the exit handler, the queue) without moving the clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe('ManagedProcess', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when started without a readiness probe', () => {
    it('launches the command once and is running', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ args: ['server.js', '--port', '1'], env: { OWN: '1' } });

      // Act
      const status = await proc.start();

      // Assert
      expect(status).toMatchObject({ name: 'web', state: 'running', pid: 1000, restarts: 0, startedAt: T0.toISOString(), uptimeSeconds: 0 });
      expect(launcher.requests).toEqual([
        {
          name: 'web',
          command: 'node',
          args: ['server.js', '--port', '1'],
          shell: false,
          cwd: '/srv/app',
          env: { SHARED: 'yes', OWN: '1', NODE_APP_INSTANCE: '0', INSTANCE_INDEX: '1', PROCGUARD_PROCESS_NAME: 'web' },
          logs: [{ path: null, streams: ['stdout', 'stderr'], dateFormat: null }],
        },
      ]);
      expect(moves()).toEqual(['stopped->starting', 'starting->running']);
    });

    it('does nothing more on a second start', async () => {
      // Arrange
      const { launcher, proc, moves } = setup();
      await proc.start();

      // Act
      const again = await proc.start();

      // Assert
      expect(launcher.launchCount).toBe(1);
      expect(again).toMatchObject({ state: 'running', pid: 1000 });
      expect(moves()).toEqual(['stopped->starting', 'starting->running']);
    });

    it('asks the launcher for its log files: both streams to the default file without PM2 log fields', async () => {
      // Arrange
      const { launcher, proc } = setup();

      // Act
      await proc.start();

      // Assert
      expect(launcher.requests[0].logs).toEqual([{ path: null, streams: ['stdout', 'stderr'], dateFormat: null }]);
    });

    it('gives each instance its own PM2 files unless merge_logs', async () => {
      // Arrange
      const logs = { out: '/l/out.log', err: '/l/err.log', combined: null, merge: false, dateFormat: 'HH:mm' };
      const { launcher, proc } = setup({ instances: 2, logs });

      // Act
      await proc.start();

      // Assert
      expect(launcher.requests[0].logs).toEqual([
        { path: '/l/out-1.log', streams: ['stdout'], dateFormat: 'HH:mm' },
        { path: '/l/err-1.log', streams: ['stderr'], dateFormat: 'HH:mm' },
      ]);
    });
  });

  describe('when start is called concurrently', () => {
    it('launches once and both calls see the same child', async () => {
      // Arrange
      const { launcher, proc } = setup();
      const release = launcher.holdLaunches();

      // Act
      const first = proc.start();
      const second = proc.start();
      await settle();
      const launchesWhileHeld = launcher.launchCount;
      const stateWhileHeld = proc.currentState;
      release();
      const statuses = await Promise.all([first, second]);

      // Assert
      expect(launchesWhileHeld).toBe(1);
      expect(stateWhileHeld).toBe('starting');
      expect(launcher.launchCount).toBe(1);
      expect(statuses.map((s) => [s.state, s.pid])).toEqual([
        ['running', 1000],
        ['running', 1000],
      ]);
    });
  });

  describe('when stopped', () => {
    it('sends the stop signal to the group and is stopped once the child exits', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ stopSignal: 'SIGINT' });
      await proc.start();

      // Act
      const status = await proc.stop();

      // Assert
      expect(launcher.signals).toEqual([{ pgid: 1000, signal: 'SIGINT' }]);
      expect(status).toMatchObject({ state: 'stopped', pid: null, lastExit: { code: null, signal: 'SIGINT', at: T0.toISOString() } });
      expect(moves()).toEqual(['stopped->starting', 'starting->running', 'running->stopping', 'stopping->stopped']);
    });

    it('sends SIGKILL to the group after killTimeoutMs when the child ignores the stop signal', async () => {
      // Arrange
      const { launcher, proc } = setup({ killTimeoutMs: 1000 });
      await proc.start();
      launcher.last.ignore('SIGTERM');

      // Act
      const stopping = proc.stop();
      await advance(999);
      const signalsBeforeTimeout = [...launcher.signalsTo(1000)];
      const stateBeforeTimeout = proc.currentState;
      await advance(1);
      const status = await stopping;

      // Assert
      expect(signalsBeforeTimeout).toEqual(['SIGTERM']);
      expect(stateBeforeTimeout).toBe('stopping');
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(status).toMatchObject({ state: 'stopped', lastExit: { code: null, signal: 'SIGKILL' } });
    });

    it('sends SIGKILL when the leader exits but its group outlives the timeout', async () => {
      // Arrange
      const { launcher, proc } = setup({ killTimeoutMs: 1000 });
      await proc.start();
      launcher.setGroupAlive(1000, true);

      // Act
      const stopping = proc.stop();
      await advance(990);
      const signalsBeforeTimeout = [...launcher.signalsTo(1000)];
      await advance(10);
      const status = await stopping;

      // Assert
      expect(signalsBeforeTimeout).toEqual(['SIGTERM']);
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(launcher.groupAlive(1000)).toBe(false);
      expect(status).toMatchObject({ state: 'stopped', lastExit: { code: null, signal: 'SIGTERM' } });
    });

    it('uses the timeout given to stop instead of killTimeoutMs', async () => {
      // Arrange
      const { launcher, proc } = setup({ killTimeoutMs: 10_000 });
      await proc.start();
      launcher.last.ignore('SIGTERM');

      // Act
      const stopping = proc.stop(200);
      await advance(200);
      const status = await stopping;

      // Assert
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(status.state).toBe('stopped');
    });

    it('does not restart the child it stopped', async () => {
      // Arrange
      const { launcher, proc } = setup({ autorestart: 'always' });
      await proc.start();

      // Act
      await proc.stop();
      await advance(60_000);

      // Assert
      expect(launcher.launchCount).toBe(1);
      expect(proc.currentState).toBe('stopped');
    });
  });

  describe('when the child exits unexpectedly', () => {
    it('waits the backoff delay, respawns, and counts the restart', async () => {
      // Arrange
      const { launcher, proc, events } = setup({ backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, resetAfterMs: 60_000 } });
      await proc.start();

      // Act
      launcher.last.exit(1);
      await settle();
      const inBackoff = proc.status();
      await advance(99);
      const launchesBeforeDelay = launcher.launchCount;
      await advance(1);

      // Assert
      expect(inBackoff).toMatchObject({
        state: 'backoff',
        pid: null,
        lastExit: { code: 1, signal: null },
        nextRestartAt: new Date(T0.getTime() + 100).toISOString(),
        reason: 'exited with code 1; restarting in 100 ms (attempt 1)',
      });
      expect(events.at(-3)).toMatchObject({ from: 'running', to: 'backoff', exitCode: 1, signal: null });
      expect(launchesBeforeDelay).toBe(1);
      expect(launcher.launchCount).toBe(2);
      expect(proc.status()).toMatchObject({ state: 'running', pid: 1001, restarts: 1, nextRestartAt: null });
    });

    it('doubles the delay each time and gives up (failed) after maxRestarts', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ maxRestarts: 2 });
      await proc.start();

      // Act
      launcher.last.exit(1);
      await advance(100);
      launcher.last.exit(null, 'SIGSEGV');
      await advance(199);
      const launchesBeforeSecondDelay = launcher.launchCount;
      await advance(1);
      const restartsBeforeGivingUp = proc.status().restarts;
      launcher.last.exit(2);
      await settle();
      await advance(60_000);

      // Assert
      expect(launchesBeforeSecondDelay).toBe(2);
      expect(restartsBeforeGivingUp).toBe(2);
      expect(launcher.launchCount).toBe(3);
      expect(proc.status()).toMatchObject({ state: 'failed', restarts: 2, lastExit: { code: 2, signal: null } });
      expect(proc.status().reason).toBe('exited with code 2; gave up: restarted 2 times within 60000 ms (maxRestarts 2)');
      expect(moves().slice(-2)).toEqual(['starting->running', 'running->failed']);
    });

    it('describes a child killed by a signal as such', async () => {
      // Arrange
      const { launcher, proc } = setup();
      await proc.start();

      // Act
      launcher.last.exit(null, 'SIGSEGV');
      await settle();

      // Assert
      expect(proc.status().reason).toBe('killed by SIGSEGV; restarting in 100 ms (attempt 1)');
    });

    it('starts afresh when started by hand after failing', async () => {
      // Arrange
      const { launcher, proc } = setup({ maxRestarts: 0 });
      await proc.start();
      launcher.last.exit(1);
      await settle();
      const before = proc.currentState;

      // Act
      const status = await proc.start();

      // Assert
      expect(before).toBe('failed');
      expect(status).toMatchObject({ state: 'running', pid: 1001, restarts: 0 });
    });

    it('kills what the child left in its group', async () => {
      // Arrange
      const { launcher, proc } = setup();
      await proc.start();
      launcher.setGroupAlive(1000, true);

      // Act
      launcher.last.exit(0);
      await settle();

      // Assert
      expect(launcher.signalsTo(1000)).toEqual(['SIGKILL']);
      expect(proc.currentState).toBe('backoff');
    });
  });

  describe('when the backoff delay is 0 ms', () => {
    const immediate = { backoff: { initialDelayMs: 0, factor: 2, maxDelayMs: 1000, resetAfterMs: 60_000 } };

    it('respawns in the queue operation that saw the exit, no timer, after the old group got its SIGKILL', async () => {
      // Arrange
      const { launcher, proc, moves, registry } = setup(immediate);
      await proc.start();
      launcher.setGroupAlive(1000, true);
      const seenAtLaunch: string[] = [];
      launcher.onLaunch = (child) => seenAtLaunch.push(`launch ${child.pid}: group 1000 alive ${launcher.groupAlive(1000)}`);

      // Act
      launcher.last.exit(1);
      await realTurn();

      // Assert
      expect(seenAtLaunch).toEqual(['launch 1001: group 1000 alive false']);
      expect(launcher.signalsTo(1000)).toEqual(['SIGKILL']);
      expect(moves().slice(-3)).toEqual(['running->backoff', 'backoff->starting', 'starting->running']);
      expect(proc.status()).toMatchObject({ state: 'running', pid: 1001, restarts: 1, nextRestartAt: null });
      expect(registry.journal).toEqual(['put web 1000', 'remove web 1000', 'put web 1001']);
    });

    it('does not hold the replacement back while the old group is still on its way out', async () => {
      // Arrange: what the leader left outlives the SIGKILL for now (a process in D state).
      const { launcher, proc } = setup(immediate);
      await proc.start();
      launcher.setGroupAlive(1000, true);
      launcher.groupDiesOn.clear();
      const signalsAtLaunch: string[][] = [];
      launcher.onLaunch = () => signalsAtLaunch.push(launcher.signalsTo(1000));

      // Act
      launcher.last.exit(1);
      await settle();

      // Assert: the SIGKILL went out first, and the replacement runs while the group is waited for.
      expect(signalsAtLaunch).toEqual([['SIGKILL']]);
      expect(proc.status()).toMatchObject({ state: 'running', pid: 1001 });
      expect(launcher.groupAlive(1000)).toBe(true);

      // The wait for the old group ends (bounded) without touching the replacement.
      await advance(6000);
      expect(launcher.signalsTo(1001)).toEqual([]);
      expect(proc.status()).toMatchObject({ state: 'running', pid: 1001 });
    });

    it('still goes through the timer after a launch that threw, so a command that cannot start never loops in microtasks', async () => {
      // Arrange
      const { launcher, proc } = setup(immediate);
      for (let i = 0; i < 3; i++) launcher.failNextLaunch();

      // Act
      const status = await proc.start();
      await realTurn();
      const launchesBeforeTimer = launcher.launchCount;
      await advance(0);

      // Assert
      expect(status.state).toBe('backoff');
      expect(launchesBeforeTimer).toBe(1);
      expect(launcher.launchCount).toBe(2);
    });
  });

  describe('when autorestart is "never"', () => {
    it('is stopped after the child exits and is not launched again', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ autorestart: 'never' });
      await proc.start();

      // Act
      launcher.last.exit(1);
      await settle();
      await advance(60_000);

      // Assert
      expect(launcher.launchCount).toBe(1);
      expect(proc.status()).toMatchObject({ state: 'stopped', pid: null, reason: 'exited with code 1; autorestart is "never"' });
      expect(moves().at(-1)).toBe('running->stopped');
    });
  });

  describe('when autorestart is "on-failure" and the child exits cleanly', () => {
    it('is stopped', async () => {
      // Arrange
      const { launcher, proc } = setup({ autorestart: 'on-failure' });
      await proc.start();

      // Act
      launcher.last.exit(0);
      await settle();

      // Assert
      expect(proc.currentState).toBe('stopped');
      expect(launcher.launchCount).toBe(1);
    });
  });

  describe('when started while stopping', () => {
    it('waits for the stop to finish before launching again', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ killTimeoutMs: 5000 });
      await proc.start();
      const first = launcher.last.ignore('SIGTERM');

      // Act
      const stopping = proc.stop();
      const starting = proc.start();
      await advance(1000);
      const launchesWhileStopping = launcher.launchCount;
      const stateWhileStopping = proc.currentState;
      first.exit(0);
      const [stopped, started] = await Promise.all([stopping, starting]);

      // Assert
      expect(launchesWhileStopping).toBe(1);
      expect(stateWhileStopping).toBe('stopping');
      expect(launcher.launchCount).toBe(2);
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
      expect(stopped.state).toBe('stopped');
      expect(started).toMatchObject({ state: 'running', pid: 1001 });
      expect(moves()).toEqual([
        'stopped->starting',
        'starting->running',
        'running->stopping',
        'stopping->stopped',
        'stopped->starting',
        'starting->running',
      ]);
    });
  });

  describe('when restarted', () => {
    it('stops the child, then launches a new one', async () => {
      // Arrange
      const { launcher, proc, moves } = setup();
      await proc.start();

      // Act
      const status = await proc.restart();

      // Assert
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
      expect(status).toMatchObject({ state: 'running', pid: 1001 });
      expect(moves().slice(2)).toEqual(['running->stopping', 'stopping->stopped', 'stopped->starting', 'starting->running']);
    });
  });

  describe('when the launch throws', () => {
    it('goes through the restart policy: backoff, then a new launch', async () => {
      // Arrange
      const { launcher, proc, registry } = setup();
      launcher.failNextLaunch();

      // Act
      const status = await proc.start();
      await advance(100);

      // Assert
      expect(status).toMatchObject({
        state: 'backoff',
        pid: null,
        lastExit: { code: null, signal: null },
        reason: 'could not start: spawn node ENOENT; restarting in 100 ms (attempt 1)',
      });
      expect(launcher.launchCount).toBe(2);
      expect(proc.status()).toMatchObject({ state: 'running', pid: 1000, restarts: 1 });
      expect(registry.journal).toEqual(['put web 1000']);
    });

    it('is failed when every launch throws, after maxRestarts', async () => {
      // Arrange
      const { launcher, proc } = setup({ maxRestarts: 2 });
      for (let i = 0; i < 5; i++) launcher.failNextLaunch();

      // Act
      await proc.start();
      await advance(100 + 200);

      // Assert
      expect(launcher.launchCount).toBe(3);
      expect(proc.status().state).toBe('failed');
    });

    it('is stopped when autorestart is "never"', async () => {
      // Arrange
      const { launcher, proc } = setup({ autorestart: 'never' });
      launcher.failNextLaunch();

      // Act
      const status = await proc.start();

      // Assert
      expect(status.state).toBe('stopped');
    });
  });

  describe('when stopped during backoff', () => {
    it('cancels the pending restart', async () => {
      // Arrange
      const { launcher, proc } = setup();
      await proc.start();
      launcher.last.exit(1);
      await settle();

      // Act
      const status = await proc.stop();
      await advance(60_000);

      // Assert
      expect(status).toMatchObject({ state: 'stopped', nextRestartAt: null });
      expect(launcher.launchCount).toBe(1);
    });
  });

  describe('when the spec has a readiness probe', () => {
    it('is starting until the probe passes, then running', async () => {
      // Arrange
      const { probe, proc, moves } = setup({ port: 3000, readiness: TCP_PROBE });
      probe.answer(false);

      // Act
      const started = await proc.start();
      await advance(50);
      const afterFailedCheck = proc.currentState;
      probe.answer(true);
      await advance(50);

      // Assert
      expect(started.state).toBe('starting');
      expect(afterFailedCheck).toBe('starting');
      expect(proc.currentState).toBe('running');
      expect(probe.checks).toEqual([
        { target: { kind: 'tcp', host: '127.0.0.1', port: 3000 }, timeoutMs: 50 },
        { target: { kind: 'tcp', host: '127.0.0.1', port: 3000 }, timeoutMs: 50 },
      ]);
      expect(moves()).toEqual(['stopped->starting', 'starting->running']);
    });

    it('does not launch a second child when started again while still starting', async () => {
      // Arrange
      const { launcher, proc } = setup({ port: 3000, readiness: TCP_PROBE });
      await proc.start();

      // Act
      const again = await proc.start();

      // Assert
      expect(launcher.launchCount).toBe(1);
      expect(again).toMatchObject({ state: 'starting', pid: 1000 });
    });

    it('does not count failures during the start-up grace, then restarts after failureThreshold more', async () => {
      // Arrange: checks every 50 ms until ready; grace 500 ms; threshold 3 -> failures at 500, 550, 600
      const { launcher, probe, proc } = setup({ port: 3000, readiness: TCP_PROBE });
      probe.fallback = false;
      await proc.start();

      // Act
      await advance(599);
      const checksBefore = probe.checks.length;
      const signalsBefore = [...launcher.signals];
      await advance(1);

      // Assert
      expect(checksBefore).toBe(11);
      expect(signalsBefore).toEqual([]);
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
      expect(proc.status()).toMatchObject({ state: 'backoff', reason: 'readiness probe failed 3 times; restarting in 100 ms (attempt 1)' });
    });

    it('restarts a running child whose probe keeps failing, even when it exits 0 and autorestart is "on-failure"', async () => {
      // Arrange
      const { launcher, probe, proc, moves } = setup({
        port: 3000,
        autorestart: 'on-failure',
        readiness: { ...TCP_PROBE, startupGraceMs: 0 },
      });
      launcher.onLaunch = (child) => child.ignore('SIGTERM');
      probe.answer(true);
      await proc.start();
      await advance(50);
      const afterFirstCheck = proc.currentState;

      // Act: checks every 100 ms once ready -> failures at 150, 250, 350
      await advance(299);
      const signalsBefore = [...launcher.signals];
      await advance(1);
      const signalsAfter = [...launcher.signalsTo(1000)];
      launcher.children[0].exit(0);
      await settle();
      const afterExit = proc.status();
      await advance(100);

      // Assert
      expect(afterFirstCheck).toBe('running');
      expect(signalsBefore).toEqual([]);
      expect(signalsAfter).toEqual(['SIGTERM']);
      expect(afterExit).toMatchObject({ state: 'backoff', lastExit: { code: 0, signal: null } });
      expect(launcher.launchCount).toBe(2);
      expect(proc.status()).toMatchObject({ state: 'starting', pid: 1001, restarts: 1 });
      expect(moves()).toEqual(['stopped->starting', 'starting->running', 'running->backoff', 'backoff->starting']);
    });

    it('stops probing once the process is stopped', async () => {
      // Arrange
      const { probe, proc } = setup({ port: 3000, readiness: TCP_PROBE });
      probe.fallback = true;
      await proc.start();
      await advance(50);
      await proc.stop();
      const checks = probe.checks.length;

      // Act
      await advance(10_000);

      // Assert
      expect(probe.checks).toHaveLength(checks);
    });
  });

  describe('when the spec has wait_ready (PM2)', () => {
    it("opens the ready channel and stays starting until the child sends 'ready'", async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ waitReady: { timeoutMs: 3000 } });

      // Act
      await proc.start();
      await advance(2999);
      const before = proc.currentState;
      launcher.last.sendReady();
      await settle();

      // Assert
      expect(launcher.last.request.readyChannel).toBe(true);
      expect(before).toBe('starting');
      expect(proc.status()).toMatchObject({ state: 'running', reason: "sent 'ready' (wait_ready)" });
      expect(moves()).toEqual(['stopped->starting', 'starting->running']);
      await advance(10_000);
      expect(proc.currentState).toBe('running');
    });

    it('stops a child that sends nothing by listen_timeout and restarts it as a failed start', async () => {
      // Arrange
      const { launcher, proc, moves } = setup({ waitReady: { timeoutMs: 3000 }, killTimeoutMs: 500 });
      await proc.start();
      launcher.last.ignore('SIGTERM');

      // Act
      await advance(3000);
      const signalled = [...launcher.signalsTo(1000)];
      await advance(500);

      // Assert
      expect(signalled).toEqual(['SIGTERM']);
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(proc.status()).toMatchObject({ state: 'backoff', reason: expect.stringContaining("did not send 'ready' within 3000 ms (listen_timeout)") });
      expect(moves()).toEqual(['stopped->starting', 'starting->backoff']);
    });

    it("ignores a 'ready' from a child that is no longer the current one", async () => {
      // Arrange
      const { launcher, proc } = setup({ waitReady: { timeoutMs: 3000 }, backoff: { initialDelayMs: 100, factor: 1, maxDelayMs: 100, resetAfterMs: 60_000 } });
      await proc.start();
      const first = launcher.last;
      first.exit(1);
      await settle();
      await advance(100);

      // Act
      first.sendReady();
      await settle();

      // Assert
      expect(launcher.children).toHaveLength(2);
      expect(proc.currentState).toBe('starting');
    });

    it('does not open a ready channel without wait_ready', async () => {
      const { launcher, proc } = setup();
      await proc.start();
      expect(launcher.last.request.readyChannel).toBeUndefined();
    });
  });

  describe('when the spec has max_memory_restart (PM2)', () => {
    it('restarts the child once its whole group is over the limit, naming the figure, and not before', async () => {
      // Arrange
      const { launcher, proc, moves, usage } = setup({ maxMemoryBytes: 100 * 1048576, killTimeoutMs: 500 });
      await proc.start();
      usage.setGroup(1000, 100 * 1048576);

      // Act
      await advance(2000);
      const atLimit = proc.currentState;
      usage.setGroup(1000, 150 * 1048576);
      await advance(2000);

      // Assert
      expect(atLimit).toBe('running');
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
      expect(proc.status()).toMatchObject({
        state: 'backoff',
        reason: expect.stringContaining('memory 150.0 MiB of the process group is over max_memory_restart 100.0 MiB'),
      });
      expect(moves()).toEqual(['stopped->starting', 'starting->running', 'running->backoff']);
    });

    it('stops sampling a child that is gone', async () => {
      // Arrange
      const { launcher, proc, usage, resources } = setup({ maxMemoryBytes: 1048576, autorestart: 'never' });
      await proc.start();
      await proc.stop();
      usage.setGroup(1000, 1e9);
      const readsBefore = usage.reads;

      // Act
      await advance(10_000);

      // Assert
      expect(launcher.signalsTo(1000)).toEqual(['SIGTERM']);
      expect(proc.currentState).toBe('stopped');
      expect(resources.size).toBe(0);
      expect(usage.reads).toBe(readsBefore);
    });

    it('restarts a child whose group grows over the limit only after its restart, from the new group', async () => {
      // Arrange: the first child stays under; its replacement (pid 1001) goes over.
      const { launcher, proc, usage } = setup({ maxMemoryBytes: 100 * 1048576, killTimeoutMs: 500 });
      await proc.start();
      usage.setGroup(1000, 10 * 1048576);
      await advance(2000);
      launcher.last.exit(1);
      await advance(100);
      usage.setGroup(1001, 200 * 1048576);

      // Act
      await advance(2000);

      // Assert
      expect(launcher.signalsTo(1000)).toEqual([]);
      expect(launcher.signalsTo(1001)).toEqual(['SIGTERM']);
      expect(proc.status().reason).toContain('memory 200.0 MiB');
    });
  });

  describe('status resources (the sampler)', () => {
    it('is null before the first sample, then the group\'s figures, and null again once stopped', async () => {
      // Arrange
      const { proc, usage } = setup();
      await proc.start();
      const before = proc.status().resources;
      usage.groups.set(1000, [
        { pid: 1000, cpuSeconds: 1, rssBytes: 10 * 1048576 },
        { pid: 1500, cpuSeconds: 0.5, rssBytes: 30 * 1048576 },
      ]);

      // Act
      await advance(2000);
      const sampled = proc.status().resources;
      await proc.stop();

      // Assert
      expect(before).toBeNull();
      expect(sampled).toEqual({ cpuSeconds: 1.5, cpuPercent: 75, rssBytes: 40 * 1048576, processes: 2, sampledAt: new Date(T0.getTime() + 2000).toISOString() });
      expect(proc.status().resources).toBeNull();
    });
  });

  describe('readiness probe checks', () => {
    it('tells each check, its outcome and duration, under the instance name', async () => {
      // Arrange
      const { proc, probe, checks } = setup({ port: 3000, readiness: TCP_PROBE });
      probe.answer(false, true);

      // Act
      await proc.start();
      await advance(200);

      // Assert
      expect(checks.slice(0, 2)).toEqual([
        { name: 'web', seconds: expect.any(Number), ok: false },
        { name: 'web', seconds: expect.any(Number), ok: true },
      ]);
      expect(checks[0].seconds).toBeGreaterThanOrEqual(0);
    });
  });

  describe('when the group leader pid now names another process', () => {
    it('still signals its own unreaped leader: a PID cannot be reused before its exit is seen', async () => {
      // Arrange: a start time that was unreadable at spawn must not make the child unstoppable.
      const { launcher, proc } = setup({ killTimeoutMs: 1000 });
      await proc.start();
      launcher.setStartTime(1000, 'read differently later');

      // Act
      const stopping = proc.stop();
      await advance(1000 + 5000);
      const status = await stopping;

      // Assert
      expect(launcher.signals[0]).toEqual({ pgid: 1000, signal: 'SIGTERM' });
      expect(status.state).toBe('stopped');
    });

    it('never kills the remains of the group after an exit', async () => {
      // Arrange
      const { launcher, proc } = setup();
      await proc.start();
      launcher.setGroupAlive(1000, true);
      launcher.setStartTime(1000, 'another process');

      // Act
      launcher.last.exit(1);
      await settle();

      // Assert
      expect(launcher.signals).toEqual([]);
      expect(proc.currentState).toBe('backoff');
    });
  });

  describe('when a child is spawned and ends', () => {
    it('puts a record in the registry on spawn and removes it on exit', async () => {
      // Arrange
      const { launcher, proc, registry } = setup();

      // Act
      await proc.start();
      const whileRunning = registry.list();
      launcher.last.exit(1);
      await settle();

      // Assert
      expect(whileRunning).toEqual([
        { name: 'web', pid: 1000, pgid: 1000, startTime: 't1000', bootId: 'boot-A', ownerInstanceId: 'instance-1', startedAt: T0.toISOString() },
      ]);
      expect(registry.list()).toEqual([]);
      expect(registry.journal).toEqual(['put web 1000', 'remove web 1000']);
    });

    it('removes the record on stop', async () => {
      // Arrange
      const { proc, registry } = setup();
      await proc.start();

      // Act
      await proc.stop();

      // Assert
      expect(registry.journal).toEqual(['put web 1000', 'remove web 1000']);
    });
  });

  describe('when the state changes', () => {
    it('emits one event per move, with from, to, pid, exit and reason', async () => {
      // Arrange
      const { launcher, proc, events } = setup({ autorestart: 'never' });

      // Act
      await proc.start();
      launcher.last.exit(3);
      await settle();

      // Assert
      const at = T0.toISOString();
      expect(events).toEqual([
        { name: 'web', index: 1, from: 'stopped', to: 'starting', pid: null, exitCode: null, signal: null, reason: 'start requested', at },
        { name: 'web', index: 1, from: 'starting', to: 'running', pid: 1000, exitCode: null, signal: null, reason: 'started (no readiness probe)', at },
        { name: 'web', index: 1, from: 'running', to: 'stopped', pid: 1000, exitCode: 3, signal: null, reason: 'exited with code 3; autorestart is "never"', at },
      ]);
    });
  });

  describe('when retired', () => {
    it('stops its child, then refuses every later start or restart without launching', async () => {
      const { launcher, proc } = setup();
      await proc.start();

      const status = await proc.retire('removed from the process config');

      expect(status).toMatchObject({ state: 'stopped', pid: null, reason: 'removed from the process config' });
      expect(proc.isRetired).toBe(true);
      await expect(proc.start()).rejects.toThrow(/Cannot start "web" while it is retired/);
      await expect(proc.restart()).rejects.toThrow(/Cannot restart "web"/);
      expect(launcher.launchCount).toBe(1);
    });

    it('stops a start that was queued before it: nothing is left running', async () => {
      const { launcher, proc } = setup();
      const release = launcher.holdLaunches();
      const start = proc.start();

      const retire = proc.retire('stop requested');
      release();
      await Promise.all([start, retire]);

      expect(launcher.children.filter((c) => c.alive)).toEqual([]);
      expect(proc.status().state).toBe('stopped');
    });

    it('never restarts from a backoff that was pending', async () => {
      const { launcher, proc } = setup();
      await proc.start();
      launcher.last.exit(1);
      await settle();
      const before = proc.status().state;

      await proc.retire('stop requested');
      await advance(10_000);

      expect(before).toBe('backoff');
      expect(launcher.launchCount).toBe(1);
    });

    it('makes no reconciler correction', async () => {
      const { launcher, proc } = setup();
      await proc.retire('stop requested');

      const outcome = await proc.reconcile(() => 'running');

      expect(outcome).toBeNull();
      expect(launcher.launchCount).toBe(0);
    });
  });

  describe('when the reconciler looks at a child that has exited but whose exit is not handled yet', () => {
    it('leaves it to that exit: no correction, and the restart policy decides', async () => {
      // Arrange: the look is queued in the same turn as the exit, ahead of its handler.
      const { launcher, proc, events } = setup();
      await proc.start();
      launcher.last.exit(1);
      const look = proc.reconcile(() => 'running');
      await settle();

      // Act
      const outcome = await look;

      // Assert
      expect(outcome).toBeNull();
      expect(events.map((e) => e.reason).filter((r) => r.startsWith('reconciler:'))).toEqual([]);
      expect(proc.status()).toMatchObject({ state: 'backoff', restarts: 0 });
    });
  });

  describe('when held for its dependencies (dependsOn)', () => {
    it('waits with no child, takes a new reason without an event, and starts on release', async () => {
      // Arrange
      const { launcher, moves, proc } = setup();

      // Act
      await proc.hold('waiting for db (starting)');
      await proc.hold('waiting for db (backoff)');

      // Assert
      expect(proc.status()).toMatchObject({ state: 'waiting', pid: null, reason: 'waiting for db (backoff)' });
      expect(moves()).toEqual(['stopped->waiting']);
      expect(launcher.launchCount).toBe(0);

      // Act
      await proc.release('dependencies running: db');

      // Assert
      expect(moves()).toEqual(['stopped->waiting', 'waiting->starting', 'starting->running']);
      expect(launcher.launchCount).toBe(1);
    });

    it('leaves a live instance alone, and a release of one no longer waiting starts nothing', async () => {
      // Arrange
      const { launcher, moves, proc } = setup();
      await proc.start();

      // Act
      await proc.hold('waiting for db (starting)');
      await proc.stop();
      await proc.release('dependencies running: db');

      // Assert
      expect(moves()).toEqual(['stopped->starting', 'starting->running', 'running->stopping', 'stopping->stopped']);
      expect(launcher.launchCount).toBe(1);
    });

    it('is stopped for good by retire, and a hold after it changes nothing', async () => {
      // Arrange
      const { proc } = setup();
      await proc.hold('waiting for db (starting)');

      // Act
      await proc.retire('stop requested');
      await proc.hold('waiting for db (stopped)');

      // Assert
      expect(proc.status()).toMatchObject({ state: 'stopped', reason: 'stop requested' });
    });
  });
});
