import { jest } from '@jest/globals';
import { runShutdownSteps, SHUTDOWN_ORDER, type ShutdownStep, type StepOutcome } from './shutdown-sequence.js';

/** A step that records when it starts and, if given, when it finishes. */
function recordingStep(log: string[], name: string, order: number, work?: () => Promise<void> | void, timeoutMs?: number): ShutdownStep {
  return {
    name,
    order,
    timeoutMs,
    run: async () => {
      log.push(`start ${name}`);
      await work?.();
      log.push(`end ${name}`);
    },
  };
}

const never = (): Promise<void> => new Promise<void>(() => undefined);
/** A delay on jest's fake clock (advanced by the test), not a real wait. */
const fakeDelay = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('runShutdownSteps', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when every step succeeds', () => {
    it('runs the steps one after another by ascending order, whatever the registration order', async () => {
      // Arrange
      const log: string[] = [];
      const steps = [
        recordingStep(log, 'release lock', SHUTDOWN_ORDER.releaseLock),
        recordingStep(log, 'close database', SHUTDOWN_ORDER.closeDatabase, () => fakeDelay(10)),
        recordingStep(log, 'drain http', SHUTDOWN_ORDER.drainHttp, () => fakeDelay(10)),
        recordingStep(log, 'stop agents', SHUTDOWN_ORDER.stopAgents),
      ];

      // Act
      const done = runShutdownSteps(steps, Date.now() + 10_000);
      await jest.advanceTimersByTimeAsync(20);
      const outcomes = await done;

      // Assert
      expect(log).toEqual([
        'start drain http',
        'end drain http',
        'start stop agents',
        'end stop agents',
        'start close database',
        'end close database',
        'start release lock',
        'end release lock',
      ]);
      expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
        ['drain http', true],
        ['stop agents', true],
        ['close database', true],
        ['release lock', true],
      ]);
    });

    it('keeps registration order between steps of equal order', async () => {
      const log: string[] = [];
      const steps = [recordingStep(log, 'b', 5), recordingStep(log, 'a', 5), recordingStep(log, 'c', 1)];

      await runShutdownSteps(steps, Date.now() + 1000);

      expect(log.filter((l) => l.startsWith('start'))).toEqual(['start c', 'start b', 'start a']);
    });

    it('does not reorder the caller’s array', async () => {
      const steps = [recordingStep([], 'late', 2), recordingStep([], 'early', 1)];

      await runShutdownSteps(steps, Date.now() + 1000);

      expect(steps.map((s) => s.name)).toEqual(['late', 'early']);
    });

    it('measures each step with the given clock', async () => {
      // Arrange
      const steps = [recordingStep([], 'slow', 1, () => fakeDelay(250)), recordingStep([], 'instant', 2)];

      // Act
      const done = runShutdownSteps(steps, Date.now() + 1000, () => Date.now());
      await jest.advanceTimersByTimeAsync(250);
      const outcomes = await done;

      // Assert
      expect(outcomes).toEqual<StepOutcome[]>([
        { name: 'slow', ok: true, ms: 250 },
        { name: 'instant', ok: true, ms: 0 },
      ]);
    });

    it('returns no outcomes for no steps', async () => {
      await expect(runShutdownSteps([], Date.now())).resolves.toEqual([]);
    });
  });

  describe('when a step throws', () => {
    it.each([
      ['throws synchronously', (): void => {
        throw new Error('database is locked');
      }],
      ['rejects', (): Promise<void> => Promise.reject(new Error('database is locked'))],
    ])('records the failure and still runs the later steps, lock release included (%s)', async (_label, failing) => {
      // Arrange
      const log: string[] = [];
      const steps: ShutdownStep[] = [
        recordingStep(log, 'drain http', SHUTDOWN_ORDER.drainHttp),
        { name: 'close database', order: SHUTDOWN_ORDER.closeDatabase, run: failing },
        recordingStep(log, 'release lock', SHUTDOWN_ORDER.releaseLock),
      ];

      // Act
      const outcomes = await runShutdownSteps(steps, Date.now() + 1000);

      // Assert
      expect(log).toEqual(['start drain http', 'end drain http', 'start release lock', 'end release lock']);
      expect(outcomes[1]).toMatchObject({ name: 'close database', ok: false, error: 'database is locked' });
      expect(outcomes[2]).toMatchObject({ name: 'release lock', ok: true });
      expect(outcomes[2].error).toBeUndefined();
    });

    it('reports a thrown non-Error as text', async () => {
      const steps: ShutdownStep[] = [
        { name: 'odd', order: 1, run: () => Promise.reject('plain string' as unknown as Error) },
      ];

      const [outcome] = await runShutdownSteps(steps, Date.now() + 1000);

      expect(outcome).toMatchObject({ ok: false, error: 'plain string' });
    });
  });

  describe('when a step overruns its own timeout', () => {
    it('gives up on it after timeoutMs and moves on', async () => {
      // Arrange
      const log: string[] = [];
      const steps = [recordingStep(log, 'drain http', 1, never, 50), recordingStep(log, 'release lock', 2)];
      const done = runShutdownSteps(steps, Date.now() + 10_000);

      // Act & Assert: not a moment early
      await jest.advanceTimersByTimeAsync(49);
      expect(log).toEqual(['start drain http']);

      await jest.advanceTimersByTimeAsync(1);
      const outcomes = await done;
      expect(log).toEqual(['start drain http', 'start release lock', 'end release lock']);
      expect(outcomes[0]).toMatchObject({ name: 'drain http', ok: false, error: '"drain http" did not finish within 50 ms' });
      expect(outcomes[1]).toMatchObject({ name: 'release lock', ok: true });
    });

    it('does not fail a step that finishes within its timeout', async () => {
      const steps = [recordingStep([], 'quick enough', 1, () => fakeDelay(40), 50)];

      const done = runShutdownSteps(steps, Date.now() + 10_000);
      await jest.advanceTimersByTimeAsync(60);

      await expect(done).resolves.toEqual([expect.objectContaining({ name: 'quick enough', ok: true })]);
    });
  });

  describe('when the overall deadline passes', () => {
    it('cuts the running step at the deadline, even without a timeout of its own', async () => {
      // Arrange
      const log: string[] = [];
      const steps = [recordingStep(log, 'drain http', 1, never), recordingStep(log, 'release lock', 2)];
      const done = runShutdownSteps(steps, Date.now() + 300);

      // Act
      await jest.advanceTimersByTimeAsync(299);
      const cutEarly = log.includes('start release lock');
      await jest.advanceTimersByTimeAsync(1);
      const outcomes = await done;

      // Assert
      expect(cutEarly).toBe(false);
      expect(outcomes[0]).toMatchObject({ ok: false, error: '"drain http" did not finish within 300 ms' });
      expect(outcomes[1]).toMatchObject({ name: 'release lock', ok: true });
    });

    it('lets the deadline win over a longer step timeout', async () => {
      const steps = [recordingStep([], 'drain http', 1, never, 5_000)];

      const done = runShutdownSteps(steps, Date.now() + 100);
      await jest.advanceTimersByTimeAsync(100);

      await expect(done).resolves.toEqual([expect.objectContaining({ ok: false, error: '"drain http" did not finish within 100 ms' })]);
    });

    it('shares the deadline between steps: a later step only gets what is left', async () => {
      // Arrange
      const steps = [recordingStep([], 'first', 1, () => fakeDelay(70)), recordingStep([], 'second', 2, never)];
      const done = runShutdownSteps(steps, Date.now() + 100);

      // Act
      await jest.advanceTimersByTimeAsync(100);
      const outcomes = await done;

      // Assert
      expect(outcomes[0]).toMatchObject({ name: 'first', ok: true });
      expect(outcomes[1]).toMatchObject({ name: 'second', ok: false, error: '"second" did not finish within 30 ms' });
    });

    it('still starts the remaining steps, and a synchronous lock release completes', async () => {
      // Arrange: the deadline is already behind us.
      const released: string[] = [];
      const steps: ShutdownStep[] = [{ name: 'release lock', order: 900, run: () => void released.push('released') }];

      // Act
      const done = runShutdownSteps(steps, Date.now() - 1);
      await jest.advanceTimersByTimeAsync(0);
      const outcomes = await done;

      // Assert
      expect(released).toEqual(['released']);
      expect(outcomes[0]).toMatchObject({ name: 'release lock', ok: true });
    });
  });

  describe('SHUTDOWN_ORDER', () => {
    it('releases the lock after every other well-known step', () => {
      const others = Object.entries(SHUTDOWN_ORDER).filter(([key]) => key !== 'releaseLock').map(([, order]) => order);

      expect(Math.max(...others)).toBeLessThan(SHUTDOWN_ORDER.releaseLock);
      expect([...others]).toEqual([...others].sort((a, b) => a - b));
    });
  });
});
