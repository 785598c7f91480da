import { jest } from '@jest/globals';
import { DevAppRunner, type AppExit, type AppProcess } from './dev-app-runner.js';
import { RestartBackoff } from './restart-backoff.js';

/** Captured before fake timers replace it: lets every pending promise callback run. */
const realSetImmediate = setImmediate;
const flush = (): Promise<void> => new Promise<void>((resolve) => realSetImmediate(resolve));

/** A hand-written fake app process: records what it was sent; the test decides when it exits. */
class FakeApp implements AppProcess {
  readonly signals: NodeJS.Signals[] = [];
  groupKilled = false;
  exitedAt: number | null = null;
  readonly exited: Promise<AppExit>;
  private resolveExit!: (exit: AppExit) => void;

  constructor(readonly pid: number) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  signal(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }

  killGroup(): void {
    this.groupKilled = true;
    this.exit({ code: null, signal: 'SIGKILL' });
  }

  exit(exit: AppExit): void {
    if (this.exitedAt !== null) return;
    this.exitedAt = Date.now();
    this.resolveExit(exit);
  }
}

const STOP_TIMEOUT_MS = 7000;
const WINDOW_MS = 1000;

describe('DevAppRunner', () => {
  let apps: FakeApp[];
  let log: jest.Mock<(message: string) => void>;
  let runner: DevAppRunner;
  /** Start times of each app, to prove no two ever overlap. */
  let startedAt: number[];

  beforeEach(() => {
    jest.useFakeTimers();
    apps = [];
    startedAt = [];
    log = jest.fn<(message: string) => void>();
    runner = new DevAppRunner({
      launch: () => {
        const app = new FakeApp(1000 + apps.length);
        apps.push(app);
        startedAt.push(Date.now());
        return app;
      },
      backoff: new RestartBackoff({ initialMs: 500, maxMs: 10_000, stableAfterMs: 10_000 }),
      stopTimeoutMs: STOP_TIMEOUT_MS,
      repeatWindowMs: WINDOW_MS,
      log,
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when a build finishes', () => {
    it('starts the app', async () => {
      runner.compiled();
      await flush();

      expect(apps).toHaveLength(1);
      expect(runner.pid).toBe(1000);
    });
  });

  describe('when the next build finishes while the app runs', () => {
    it('sends the old app one SIGTERM and starts the new one only after the old has exited', async () => {
      // Arrange
      runner.compiled();
      await flush();

      // Act: two saves in a row while the old app is still shutting down.
      runner.compiled();
      runner.compiled();
      await jest.advanceTimersByTimeAsync(2000);
      const startedWhileOldRan = apps.length;
      apps[0].exit({ code: 0, signal: null });
      await flush();

      // Assert
      expect(apps[0].signals).toEqual(['SIGTERM']);
      expect(startedWhileOldRan).toBe(1);
      expect(apps).toHaveLength(2);
      expect(startedAt[1]).toBeGreaterThanOrEqual(apps[0].exitedAt!);
      expect(log).not.toHaveBeenCalledWith(expect.stringContaining('restarting'));
    });

    it('kills the old app’s group when it does not exit in time, then starts the new one', async () => {
      runner.compiled();
      await flush();

      runner.compiled();
      await jest.advanceTimersByTimeAsync(STOP_TIMEOUT_MS);
      await flush();

      expect(apps[0].groupKilled).toBe(true);
      expect(apps).toHaveLength(2);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('did not exit within 7000 ms of SIGTERM'));
    });
  });

  describe('when the app dies on its own', () => {
    it('says so and restarts it with a doubling delay while it keeps crashing', async () => {
      // Arrange
      runner.compiled();
      await flush();

      // Act: each app crashes right after it starts.
      const gaps: number[] = [];
      for (let i = 0; i < 4; i++) {
        const crashedAt = Date.now();
        apps[i].exit({ code: 1, signal: null });
        await flush();
        while (apps.length === i + 1) await jest.advanceTimersByTimeAsync(100);
        gaps.push(startedAt[i + 1] - crashedAt);
      }

      // Assert
      expect(gaps).toEqual([500, 1000, 2000, 4000]);
      expect(log).toHaveBeenCalledWith('The app (pid 1000) exited with code 1 after 0.0 s; restarting it in 0.5 s.');
    });

    it('names the signal that killed it', async () => {
      runner.compiled();
      await flush();

      apps[0].exit({ code: null, signal: 'SIGKILL' });
      await flush();

      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^The app \(pid 1000\) was killed by SIGKILL after .*; restarting it in 0\.5 s\.$/));
    });

    it('starts from the shortest delay again after a stable run', async () => {
      runner.compiled();
      await flush();
      apps[0].exit({ code: 1, signal: null });
      await jest.advanceTimersByTimeAsync(500);
      apps[1].exit({ code: 1, signal: null });
      await jest.advanceTimersByTimeAsync(1000);

      await jest.advanceTimersByTimeAsync(10_000);
      apps[2].exit({ code: 1, signal: null });
      await flush();

      expect(log).toHaveBeenLastCalledWith(expect.stringContaining('restarting it in 0.5 s'));
    });

    it.each([
      [2, 'invalid environment or configuration'],
      [3, 'another instance holds the data directory'],
      [4, 'the HTTP port is taken'],
      [6, 'the data directory or database cannot be used'],
    ])('does not restart after exit code %d (%s) until the next build', async (code, meaning) => {
      // Arrange
      runner.compiled();
      await flush();

      // Act
      apps[0].exit({ code, signal: null });
      await jest.advanceTimersByTimeAsync(60_000);
      const whileWaiting = apps.length;
      runner.compiled();
      await flush();

      // Assert
      expect(whileWaiting).toBe(1);
      expect(apps).toHaveLength(2);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(`(${meaning}): not restarting it; fix the cause and save a file`));
    });

    it('a save during the backoff starts the new build at once, once', async () => {
      runner.compiled();
      await flush();
      apps[0].exit({ code: 1, signal: null });
      await flush();

      runner.compiled();
      await flush();
      await jest.advanceTimersByTimeAsync(5000);

      expect(apps).toHaveLength(2);
    });
  });

  describe('when the session stops', () => {
    it('stops the app and never restarts it', async () => {
      // Arrange
      runner.compiled();
      await flush();

      // Act
      const stopped = runner.stop();
      await flush();
      apps[0].exit({ code: 0, signal: null });
      await stopped;
      runner.compiled();
      await jest.advanceTimersByTimeAsync(60_000);

      // Assert
      expect(apps[0].signals).toEqual(['SIGTERM']);
      expect(apps).toHaveLength(1);
      expect(log).not.toHaveBeenCalledWith(expect.stringContaining('restarting'));
    });

    it('cancels a pending restart', async () => {
      runner.compiled();
      await flush();
      apps[0].exit({ code: 1, signal: null });
      await flush();

      await runner.stop();
      await jest.advanceTimersByTimeAsync(60_000);

      expect(apps).toHaveLength(1);
    });
  });

  describe('when the session is forced (a deliberate second Ctrl+C)', () => {
    it('repeats SIGTERM only after the app’s repeat window, so the app forces its own exit', async () => {
      // Arrange: the graceful stop has sent its SIGTERM, and the app is busy.
      runner.compiled();
      await flush();
      void runner.stop();
      await flush();

      // Act
      const forced = runner.forceStop();
      await jest.advanceTimersByTimeAsync(WINDOW_MS);
      const beforeWindowEnd = [...apps[0].signals];
      await jest.advanceTimersByTimeAsync(100);
      const afterWindow = [...apps[0].signals];
      apps[0].exit({ code: 1, signal: null });
      await forced;

      // Assert
      expect(beforeWindowEnd).toEqual(['SIGTERM']);
      expect(afterWindow).toEqual(['SIGTERM', 'SIGTERM']);
      expect(apps[0].groupKilled).toBe(false);
    });

    it('repeats SIGTERM at once when the window has already passed', async () => {
      runner.compiled();
      await flush();
      void runner.stop();
      await jest.advanceTimersByTimeAsync(WINDOW_MS + 500);

      const forced = runner.forceStop();
      await flush();
      const sent = [...apps[0].signals];
      apps[0].exit({ code: 1, signal: null });
      await forced;

      expect(sent).toEqual(['SIGTERM', 'SIGTERM']);
      expect(apps[0].groupKilled).toBe(false);
    });

    it('kills the app’s group when it does not exit even then', async () => {
      runner.compiled();
      await flush();

      const forced = runner.forceStop();
      await jest.advanceTimersByTimeAsync(WINDOW_MS + 100 + 3000);
      await forced;

      expect(apps[0].groupKilled).toBe(true);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('did not exit when forced'));
    });
  });
});
