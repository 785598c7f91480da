import { didYouMean, editDistance } from './did-you-mean.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['port', 'port', 0],
    ['port', 'prot', 1],
    ['instances', 'instnces', 1],
    ['cwd', 'cmd', 1],
    ['', 'env', 3],
  ])('from %p to %p is %p', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe('didYouMean', () => {
  const fields = ['maxRestarts', 'max_restarts', 'port', 'env', 'stopSignal'];

  describe('when a candidate is within two edits', () => {
    it('suggests it', () => {
      expect(didYouMean('prot', fields)).toBe('port');
    });

    it('ignores case, "_" and "-"', () => {
      expect(didYouMean('STOP-SIGNAL', fields)).toBe('stopSignal');
    });

    it('prefers a candidate in the same style, snake_case or not', () => {
      expect(didYouMean('max_restart', fields)).toBe('max_restarts');
      expect(didYouMean('maxRestart', fields)).toBe('maxRestarts');
      expect(didYouMean('killTimeout', ['kill_timeout', 'killTimeoutMs'])).toBe('killTimeoutMs');
    });

    it('prefers the nearer of two in the same style', () => {
      expect(didYouMean('prot', ['pt', 'port'])).toBe('port');
    });
  });

  describe('when nothing is within two edits', () => {
    it('suggests nothing', () => {
      expect(didYouMean('replicas', fields)).toBeNull();
    });
  });
});
