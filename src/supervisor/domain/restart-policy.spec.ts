import { DEFAULT_BACKOFF, PROCESS_DEFAULTS } from './process-config.constants.js';
import type { BackoffSpec } from './process-spec.js';
import { RestartPolicy, type RestartPolicySpec } from './restart-policy.js';

const BACKOFF: BackoffSpec = { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, resetAfterMs: 30_000 };

function policyWith(fields: Partial<RestartPolicySpec> = {}): RestartPolicy {
  return new RestartPolicy({ autorestart: 'always', backoff: BACKOFF, maxRestarts: 10, restartWindowMs: 60_000, ...fields });
}

const CRASH = { code: 1, signal: null };
const CLEAN = { code: 0, signal: null };
/** Runs that die quickly, so the reset after resetAfterMs never applies. */
const SHORT_RUN_MS = 10;

describe('RestartPolicy', () => {
  describe('when computing a delay (delayFor)', () => {
    it.each<[number, number]>([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
      [12, 1000],
    ])('waits, before attempt %p, %p ms (initial * factor^(n-1), capped)', (attempt, delay) => {
      expect(RestartPolicy.delayFor(BACKOFF, attempt)).toBe(delay);
    });

    it('treats an attempt below 1 as the first', () => {
      expect(RestartPolicy.delayFor(BACKOFF, 0)).toBe(100);
    });

    it('rounds a fractional delay to whole milliseconds', () => {
      expect(RestartPolicy.delayFor({ ...BACKOFF, initialDelayMs: 100, factor: 1.5 }, 2)).toBe(150);
      expect(RestartPolicy.delayFor({ ...BACKOFF, initialDelayMs: 3, factor: 1.5 }, 2)).toBe(5);
    });

    it('keeps the same delay when the factor is 1', () => {
      expect(RestartPolicy.delayFor({ ...BACKOFF, factor: 1 }, 7)).toBe(100);
    });
  });

  describe('when autorestart is "never"', () => {
    it.each([CLEAN, CRASH, { code: null, signal: 'SIGSEGV' }])('stays stopped after %p', (exit) => {
      expect(policyWith({ autorestart: 'never' }).decide(exit, SHORT_RUN_MS, 0)).toEqual({
        action: 'stay-stopped',
        reason: 'autorestart is "never"',
      });
    });
  });

  describe('when autorestart is "on-failure"', () => {
    it('stays stopped after a clean exit', () => {
      expect(policyWith({ autorestart: 'on-failure' }).decide(CLEAN, SHORT_RUN_MS, 0)).toEqual({
        action: 'stay-stopped',
        reason: 'exited cleanly and autorestart is "on-failure"',
      });
    });

    it.each([
      ['a non-zero code', CRASH],
      ['a signal', { code: null, signal: 'SIGKILL' }],
      ['code 0 with a signal', { code: 0, signal: 'SIGTERM' }],
      ['code 0 but crashed (failed probe)', { ...CLEAN, crashed: true }],
      ['no code at all (launch failed)', { code: null, signal: null }],
    ])('restarts after %s', (_label, exit) => {
      expect(policyWith({ autorestart: 'on-failure' }).decide(exit, SHORT_RUN_MS, 0)).toEqual({ action: 'restart', delayMs: 100, attempt: 1 });
    });
  });

  describe('when autorestart is "always"', () => {
    it.each([CLEAN, CRASH, { code: null, signal: 'SIGTERM' }])('restarts after %p', (exit) => {
      expect(policyWith().decide(exit, SHORT_RUN_MS, 0)).toEqual({ action: 'restart', delayMs: 100, attempt: 1 });
    });
  });

  describe('when a process keeps crashing', () => {
    it('restarts with growing delays and counts the attempts', () => {
      // Arrange
      const policy = policyWith();

      // Act
      const decisions = [0, 1, 2, 3, 4].map((i) => policy.decide(CRASH, SHORT_RUN_MS, i * 1000));

      // Assert
      expect(decisions).toEqual([
        { action: 'restart', delayMs: 100, attempt: 1 },
        { action: 'restart', delayMs: 200, attempt: 2 },
        { action: 'restart', delayMs: 400, attempt: 3 },
        { action: 'restart', delayMs: 800, attempt: 4 },
        { action: 'restart', delayMs: 1000, attempt: 5 },
      ]);
    });

    it('gives up after maxRestarts unstable runs in a row, however slow the backoff', () => {
      // Arrange: hours apart, so only the count in a row can stop it.
      const policy = policyWith({ maxRestarts: 3, restartWindowMs: 10_000 });
      const allowed = [0, 1, 2].map((i) => policy.decide(CRASH, SHORT_RUN_MS, i * 3_600_000));

      // Act
      const decision = policy.decide(CRASH, SHORT_RUN_MS, 3 * 3_600_000);

      // Assert
      expect(allowed.map((d) => d.action)).toEqual(['restart', 'restart', 'restart']);
      expect(decision).toEqual({
        action: 'give-up',
        reason: `restarted 3 times in a row, no run lasting ${BACKOFF.resetAfterMs} ms (maxRestarts 3)`,
      });
    });

    it('gives up at once when maxRestarts is 0', () => {
      expect(policyWith({ maxRestarts: 0 }).decide(CRASH, SHORT_RUN_MS, 0).action).toBe('give-up');
    });
  });

  describe('when it crashes at once with every default', () => {
    it('is marked failed after maxRestarts restarts, as the README says', () => {
      // Arrange: the defaults of a process that gives none of these fields.
      const policy = new RestartPolicy({
        autorestart: PROCESS_DEFAULTS.autorestart,
        backoff: DEFAULT_BACKOFF,
        maxRestarts: PROCESS_DEFAULTS.maxRestarts,
        restartWindowMs: PROCESS_DEFAULTS.restartWindowMs,
      });
      let now = 0;
      const decisions = [];

      // Act: each run dies after 10 ms; the next starts when its delay has passed.
      for (let exits = 0; exits < 50; exits++) {
        now += SHORT_RUN_MS;
        const decision = policy.decide(CRASH, SHORT_RUN_MS, now);
        decisions.push(decision);
        if (decision.action !== 'restart') break;
        now += decision.delayMs;
      }

      // Assert
      expect(decisions).toHaveLength(PROCESS_DEFAULTS.maxRestarts + 1);
      expect(decisions.at(-1)).toMatchObject({ action: 'give-up' });
      // 0.1 + 0.2 + … + 25.6 s, then the 30 s cap: about 81 s, as the README says.
      expect(now).toBeGreaterThan(80_000);
      expect(now).toBeLessThan(82_000);
    });
  });

  describe('when the runs are stable but restarts pile up within the window', () => {
    it('gives up once maxRestarts restarts fall within restartWindowMs', () => {
      // Arrange: each run lasts resetAfterMs, so the count in a row starts over every time.
      const policy = policyWith({ maxRestarts: 3, restartWindowMs: 1_000_000 });
      const allowed = [1, 2, 3].map((i) => policy.decide(CRASH, BACKOFF.resetAfterMs, i * BACKOFF.resetAfterMs));

      // Act
      const decision = policy.decide(CRASH, BACKOFF.resetAfterMs, 4 * BACKOFF.resetAfterMs);

      // Assert
      expect(allowed).toEqual([1, 1, 1].map((attempt) => ({ action: 'restart', delayMs: 100, attempt })));
      expect(decision).toEqual({ action: 'give-up', reason: 'restarted 3 times within 1000000 ms (maxRestarts 3)' });
    });

    it('no longer counts restarts that slid out of the window', () => {
      // Arrange
      const policy = policyWith({ maxRestarts: 2, restartWindowMs: 100_000 });
      policy.decide(CRASH, BACKOFF.resetAfterMs, 0);
      policy.decide(CRASH, BACKOFF.resetAfterMs, 50_000);

      // Act
      const stillInWindow = policy.decide(CRASH, BACKOFF.resetAfterMs, 99_999);
      const firstSlidOut = policy.decide(CRASH, BACKOFF.resetAfterMs, 100_000);

      // Assert
      expect(stillInWindow.action).toBe('give-up');
      expect(firstSlidOut).toEqual({ action: 'restart', delayMs: 100, attempt: 1 });
    });
  });

  describe('when a run stayed up resetAfterMs', () => {
    it('starts over: first delay again and a fresh count of unstable runs', () => {
      // Arrange
      const policy = policyWith({ maxRestarts: 3, restartWindowMs: 1000 });
      policy.decide(CRASH, SHORT_RUN_MS, 0);
      policy.decide(CRASH, SHORT_RUN_MS, 100_000);
      policy.decide(CRASH, SHORT_RUN_MS, 200_000);

      // Act
      const afterLongRun = policy.decide(CRASH, BACKOFF.resetAfterMs, 300_000);

      // Assert
      expect(afterLongRun).toEqual({ action: 'restart', delayMs: 100, attempt: 1 });
    });

    it('does not reset a run one millisecond shorter', () => {
      // Arrange
      const policy = policyWith({ maxRestarts: 2, restartWindowMs: 1000 });
      policy.decide(CRASH, SHORT_RUN_MS, 0);
      policy.decide(CRASH, SHORT_RUN_MS, 100_000);

      // Act
      const decision = policy.decide(CRASH, BACKOFF.resetAfterMs - 1, 200_000);

      // Assert
      expect(decision.action).toBe('give-up');
    });
  });

  describe('with no restart window (PM2: only unstable runs count toward maxRestarts)', () => {
    it('restarts for ever after runs that each last min_uptime', () => {
      const policy = policyWith({ maxRestarts: 2, restartWindowMs: null });
      const decisions = Array.from({ length: 50 }, (_, i) => policy.decide(CRASH, BACKOFF.resetAfterMs, i * BACKOFF.resetAfterMs));

      expect(decisions.every((d) => d.action === 'restart')).toBe(true);
    });

    it('spends nothing on a restart after a stable run: maxRestarts unstable ones still follow', () => {
      const policy = policyWith({ maxRestarts: 3, restartWindowMs: null });
      policy.decide(CRASH, SHORT_RUN_MS, 0);
      policy.decide(CRASH, SHORT_RUN_MS, 1);
      const afterStable = policy.decide(CRASH, BACKOFF.resetAfterMs, 100_000);
      const unstable = [1, 2, 3].map((i) => policy.decide(CRASH, SHORT_RUN_MS, 100_000 + i));
      const next = policy.decide(CRASH, SHORT_RUN_MS, 100_010);

      expect(afterStable).toEqual({ action: 'restart', delayMs: 100, attempt: 1 });
      expect(unstable.map((d) => d.action)).toEqual(['restart', 'restart', 'restart']);
      expect(next).toEqual({ action: 'give-up', reason: 'restarted 3 times in a row, no run lasting 30000 ms (maxRestarts 3)' });
    });

    it('gives up after maxRestarts unstable runs in a row', () => {
      const policy = policyWith({ maxRestarts: 2, restartWindowMs: null });
      const decisions = [0, 1, 2].map((i) => policy.decide(CRASH, SHORT_RUN_MS, i));

      expect(decisions.map((d) => d.action)).toEqual(['restart', 'restart', 'give-up']);
    });
  });

  describe('when the exit code is listed in stopExitCodes', () => {
    it('stays stopped, naming the code, and restarts after any other code', () => {
      const policy = policyWith({ stopExitCodes: [0, 3] });

      expect(policy.decide({ code: 3, signal: null }, SHORT_RUN_MS, 0)).toEqual({ action: 'stay-stopped', reason: 'exited with code 3, listed in stop_exit_codes' });
      expect(policy.decide(CLEAN, SHORT_RUN_MS, 1).action).toBe('stay-stopped');
      expect(policy.decide(CRASH, SHORT_RUN_MS, 2).action).toBe('restart');
    });

    it('restarts a kill after failed probes even when its code is listed', () => {
      const policy = policyWith({ stopExitCodes: [0] });

      expect(policy.decide({ ...CLEAN, crashed: true }, SHORT_RUN_MS, 0).action).toBe('restart');
    });
  });

  describe('when reset() is called', () => {
    it('forgets the history: first delay and a full allowance again', () => {
      // Arrange
      const policy = policyWith({ maxRestarts: 2, restartWindowMs: 1_000_000 });
      policy.decide(CRASH, SHORT_RUN_MS, 0);
      policy.decide(CRASH, SHORT_RUN_MS, 100);

      // Act
      policy.reset();
      const decisions = [200, 300, 400].map((t) => policy.decide(CRASH, SHORT_RUN_MS, t));

      // Assert
      expect(decisions).toEqual([
        { action: 'restart', delayMs: 100, attempt: 1 },
        { action: 'restart', delayMs: 200, attempt: 2 },
        expect.objectContaining({ action: 'give-up' }),
      ]);
    });
  });
});
