import { PROCESS_DEFAULTS } from './process-config.constants.js';
import { killTimeoutWarnings, SHUTDOWN_ROOM_AFTER_KILL_MS } from './shutdown-budget.js';
import { specWith } from './testing/process-config.testing.js';

/** The default of SHUTDOWN_TIMEOUT_MS (src/config/env.validation.ts). */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

describe('killTimeoutWarnings', () => {
  describe('with the defaults everywhere', () => {
    it('warns about nothing: the default kill timeout leaves room for SIGKILL and the later steps', () => {
      expect(PROCESS_DEFAULTS.killTimeoutMs + SHUTDOWN_ROOM_AFTER_KILL_MS).toBeLessThanOrEqual(DEFAULT_SHUTDOWN_TIMEOUT_MS);
      expect(killTimeoutWarnings([specWith()], DEFAULT_SHUTDOWN_TIMEOUT_MS)).toEqual([]);
    });
  });

  describe('when a kill timeout cannot fit the shutdown deadline', () => {
    it('gives one line per such process, naming it and both ways out', () => {
      const specs = [specWith({ name: 'slow', killTimeoutMs: 5000 }), specWith({ name: 'quick', killTimeoutMs: 1000 })];

      expect(killTimeoutWarnings(specs, 5000)).toEqual([
        'Process "slow": killTimeoutMs 5000 does not fit SHUTDOWN_TIMEOUT_MS 5000 (shutdown needs about 2000 ms after the ' +
          'kill timeout); if it ignores SIGTERM, a graceful shutdown is forced (exit 1). Lower killTimeoutMs to 3000 or ' +
          'raise SHUTDOWN_TIMEOUT_MS to 7000.',
      ]);
    });

    it('measures against a short SHUTDOWN_TIMEOUT_MS too', () => {
      expect(killTimeoutWarnings([specWith()], 1000)).toEqual([expect.stringContaining('Lower killTimeoutMs to 0 or raise SHUTDOWN_TIMEOUT_MS to 5000')]);
    });
  });

  describe('when the stop signal is SIGKILL', () => {
    it('does not warn: the kill timeout is never waited for', () => {
      expect(killTimeoutWarnings([specWith({ stopSignal: 'SIGKILL', killTimeoutMs: 600_000 })], 5000)).toEqual([]);
    });
  });
});
