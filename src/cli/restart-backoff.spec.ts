import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  const options = { initialMs: 500, maxMs: 10_000, stableAfterMs: 10_000 };

  describe('when the app keeps crashing at once', () => {
    it('doubles the delay from 0.5 s up to the 10 s cap', () => {
      const backoff = new RestartBackoff(options);

      const delays = Array.from({ length: 8 }, () => backoff.delayAfter(100));

      expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    });
  });

  describe('when a run lasted long enough to count as stable', () => {
    it('starts again from the initial delay', () => {
      const backoff = new RestartBackoff(options);
      for (let i = 0; i < 4; i++) backoff.delayAfter(100);

      expect(backoff.delayAfter(9_999)).toBe(8000);
      expect(backoff.delayAfter(10_000)).toBe(500);
      expect(backoff.delayAfter(10)).toBe(1000);
    });
  });

  describe('when reset (the person saved a file)', () => {
    it('starts a new series', () => {
      const backoff = new RestartBackoff(options);
      for (let i = 0; i < 5; i++) backoff.delayAfter(0);

      backoff.reset();

      expect(backoff.delayAfter(0)).toBe(500);
    });
  });
});
