import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import { REPEAT_WINDOW_MS, ShutdownOnSignal } from './shutdown-on-signal.js';

/** Captured before fake timers replace it: lets every pending promise callback run. */
const realSetImmediate = setImmediate;
const flushPromises = (): Promise<void> => new Promise<void>((resolve) => realSetImmediate(resolve));

const TIMEOUT_MS = 5_000;

describe('ShutdownOnSignal', () => {
  let signals: EventEmitter;
  let exit: jest.Mock<(code: number) => void>;
  let forceRelease: jest.Mock<() => void>;
  let log: jest.Mock<(message: string) => void>;
  let shutdown: ShutdownOnSignal;

  beforeEach(() => {
    jest.useFakeTimers();
    signals = new EventEmitter();
    exit = jest.fn<(code: number) => void>();
    forceRelease = jest.fn<() => void>();
    log = jest.fn<(message: string) => void>();
    shutdown = new ShutdownOnSignal({ timeoutMs: TIMEOUT_MS, forceRelease, exit, log });
    shutdown.listen(['SIGTERM', 'SIGINT'], signals);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when nothing has been received', () => {
    it('is not shutting down', () => {
      expect(shutdown.isShuttingDown).toBe(false);
    });
  });

  describe('when the first signal arrives', () => {
    it('runs the graceful path with the signal as reason and exits with its code', async () => {
      // Arrange
      const graceful = jest.fn((_reason: string) => Promise.resolve(7));
      shutdown.attach(graceful);

      // Act
      signals.emit('SIGTERM');
      await flushPromises();

      // Assert
      expect(shutdown.isShuttingDown).toBe(true);
      expect(graceful).toHaveBeenCalledTimes(1);
      expect(graceful).toHaveBeenCalledWith('SIGTERM');
      expect(exit.mock.calls).toEqual([[7]]);
      expect(forceRelease).not.toHaveBeenCalled();
    });

    it('waits for the graceful path before exiting', async () => {
      // Arrange
      let finish!: (code: number) => void;
      shutdown.attach(() => new Promise<number>((resolve) => (finish = resolve)));

      // Act
      signals.emit('SIGINT');
      await flushPromises();
      const exitedEarly = exit.mock.calls.length;
      finish(0);
      await flushPromises();

      // Assert
      expect(exitedEarly).toBe(0);
      expect(exit.mock.calls).toEqual([[0]]);
    });

    it('forces the exit when the graceful path fails', async () => {
      // Arrange
      shutdown.attach(() => Promise.reject(new Error('close failed')));

      // Act
      signals.emit('SIGTERM');
      await flushPromises();

      // Assert
      expect(forceRelease).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[1]]);
      expect(log).toHaveBeenCalledWith('Forcing exit: shutdown failed: Error: close failed');
    });

    it('does not force anything later once it exited gracefully', async () => {
      // Arrange
      shutdown.attach(() => Promise.resolve(0));
      signals.emit('SIGTERM');
      await flushPromises();

      // Act: the deadline passes, and a late signal comes in.
      await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 2);
      signals.emit('SIGINT');

      // Assert
      expect(exit.mock.calls).toEqual([[0]]);
      expect(forceRelease).not.toHaveBeenCalled();
    });
  });

  describe('when the same stop arrives twice within milliseconds (Ctrl+C: the terminal, then npm)', () => {
    it.each([
      ['SIGINT', 'SIGINT'],
      ['SIGTERM', 'SIGINT'],
    ])('coalesces %s then %s into one graceful stop and says how to force', async (first, second) => {
      // Arrange
      let finish!: (code: number) => void;
      const graceful = jest.fn((_reason: string) => new Promise<number>((resolve) => (finish = resolve)));
      shutdown.attach(graceful);
      signals.emit(first);

      // Act
      await jest.advanceTimersByTimeAsync(5);
      signals.emit(second);
      finish(0);
      await flushPromises();

      // Assert
      expect(forceRelease).not.toHaveBeenCalled();
      expect(graceful).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[0]]);
      expect(log).toHaveBeenCalledWith(`${first} received: shutting down gracefully (press Ctrl+C again to force)`);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(`${second} 5 ms after ${first}: the same stop request`));
    });

    it('coalesces every repeat up to the end of the window', async () => {
      shutdown.attach(() => new Promise<number>(() => undefined));
      signals.emit('SIGINT');

      for (let i = 0; i < 10; i++) {
        await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS / 10 - 1);
        signals.emit('SIGINT');
      }

      expect(forceRelease).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
    });
  });

  describe('when a second signal arrives after the repeat window (a deliberate second Ctrl+C)', () => {
    it('releases the lock synchronously and exits with 1 at once', async () => {
      // Arrange
      const graceful = jest.fn((_reason: string) => new Promise<number>(() => undefined));
      shutdown.attach(graceful);
      signals.emit('SIGTERM');
      await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS);

      // Act
      signals.emit('SIGINT');

      // Assert
      expect(forceRelease).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[1]]);
      expect(graceful).toHaveBeenCalledTimes(1);
      expect(log).toHaveBeenCalledWith('Forcing exit: SIGINT received again during shutdown');
    });

    it('honours a custom window', async () => {
      const custom = new ShutdownOnSignal({ timeoutMs: TIMEOUT_MS, repeatWindowMs: 50, forceRelease, exit, log });
      custom.attach(() => new Promise<number>(() => undefined));
      custom.signal('SIGINT');
      await jest.advanceTimersByTimeAsync(49);
      custom.signal('SIGINT');
      expect(exit).not.toHaveBeenCalled();

      await jest.advanceTimersByTimeAsync(1);
      custom.signal('SIGINT');

      expect(exit.mock.calls).toEqual([[1]]);
    });

    it('still exits with 1 when the forced release throws', async () => {
      // Arrange
      forceRelease.mockImplementation(() => {
        throw new Error('cannot unlink');
      });
      shutdown.attach(() => new Promise<number>(() => undefined));
      signals.emit('SIGTERM');
      await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS);

      // Act & Assert
      expect(() => signals.emit('SIGTERM')).toThrow('cannot unlink');
      expect(exit.mock.calls).toEqual([[1]]);
    });

    it('waits for an asynchronous forced release, then exits with 1 once', async () => {
      // Arrange
      let released!: () => void;
      forceRelease.mockImplementation(() => new Promise<void>((resolve) => (released = resolve)) as unknown as void);
      shutdown.attach(() => new Promise<number>(() => undefined));
      signals.emit('SIGINT');
      await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS);
      signals.emit('SIGINT');
      await flushPromises();
      const exitedEarly = exit.mock.calls.length;

      // Act: a third signal while forcing, then the release completes.
      signals.emit('SIGINT');
      released();
      await flushPromises();

      // Assert
      expect(exitedEarly).toBe(0);
      expect(forceRelease).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[1]]);
    });
  });

  describe('when a trigger nobody typed repeats (terminal closed, lock compromised)', () => {
    it('never forces, even after the window', async () => {
      shutdown.attach(() => new Promise<number>(() => undefined));
      shutdown.trigger('SIGHUP (terminal closed)');

      await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS * 2);
      shutdown.trigger('uncaught exception');

      expect(forceRelease).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
      expect(log).toHaveBeenCalledWith('uncaught exception during shutdown: already shutting down');
    });

    it('lets a deliberate signal after the window force', async () => {
      shutdown.attach(() => new Promise<number>(() => undefined));
      shutdown.trigger('SIGHUP (terminal closed)');
      await jest.advanceTimersByTimeAsync(REPEAT_WINDOW_MS);

      signals.emit('SIGINT');

      expect(exit.mock.calls).toEqual([[1]]);
    });
  });

  describe('when a signal arrives before attach()', () => {
    it('holds it, then runs the graceful path as soon as attach is called', async () => {
      // Arrange
      signals.emit('SIGTERM');
      const graceful = jest.fn((_reason: string) => Promise.resolve(0));

      // Act
      await flushPromises();
      const exitedBeforeAttach = exit.mock.calls.length;
      shutdown.attach(graceful);
      await flushPromises();

      // Assert
      expect(shutdown.isShuttingDown).toBe(true);
      expect(exitedBeforeAttach).toBe(0);
      expect(graceful).toHaveBeenCalledWith('SIGTERM');
      expect(exit.mock.calls).toEqual([[0]]);
    });

    it('still forces at the deadline if the app never attaches', async () => {
      signals.emit('SIGTERM');

      await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

      expect(forceRelease).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[1]]);
    });
  });

  describe('when attach() is called with no signal pending', () => {
    it('does not start a shutdown', async () => {
      const graceful = jest.fn((_reason: string) => Promise.resolve(0));

      shutdown.attach(graceful);
      await flushPromises();

      expect(graceful).not.toHaveBeenCalled();
      expect(shutdown.isShuttingDown).toBe(false);
      expect(exit).not.toHaveBeenCalled();
    });
  });

  describe('when the graceful path overruns the deadline', () => {
    it('forces the release and exits with 1 exactly at the deadline', async () => {
      // Arrange
      shutdown.attach(() => new Promise<number>(() => undefined));
      signals.emit('SIGTERM');

      // Act & Assert
      await jest.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
      expect(forceRelease).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();

      await jest.advanceTimersByTimeAsync(1);
      expect(forceRelease).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls).toEqual([[1]]);
      expect(log).toHaveBeenCalledWith(`Forcing exit: shutdown did not finish within ${TIMEOUT_MS} ms`);
    });

    it('ignores the graceful result that comes in after the forced exit', async () => {
      // Arrange
      let finish!: (code: number) => void;
      shutdown.attach(() => new Promise<number>((resolve) => (finish = resolve)));
      signals.emit('SIGTERM');
      await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

      // Act
      finish(0);
      await flushPromises();

      // Assert
      expect(exit.mock.calls).toEqual([[1]]);
    });
  });

  describe('when triggered directly (lock compromised, uncaught exception)', () => {
    it('behaves like a first signal', async () => {
      const graceful = jest.fn((_reason: string) => Promise.resolve(5));
      shutdown.attach(graceful);

      shutdown.trigger('lock compromised');
      await flushPromises();

      expect(graceful).toHaveBeenCalledWith('lock compromised');
      expect(exit.mock.calls).toEqual([[5]]);
    });
  });
});
