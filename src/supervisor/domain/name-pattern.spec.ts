import { matchesPattern } from './name-pattern.js';

describe('matchesPattern', () => {
  describe('when the pattern has "*"', () => {
    it.each<[string, string, boolean]>([
      ['*', 'web', true],
      ['*', 'a', true],
      ['web-*', 'web-1', true],
      ['web-*', 'web-12', true],
      ['web-*', 'web-', true],
      ['web-*', 'api-1', false],
      ['*-1', 'web-1', true],
      ['*-1', 'web-10', false],
      ['w*b', 'wb', true],
      ['w*b', 'web', true],
      ['w*b', 'weby', false],
    ])('%p against %p is %p', (pattern, name, expected) => {
      expect(matchesPattern(pattern, name)).toBe(expected);
    });
  });

  describe('when the pattern has "?"', () => {
    it.each<[string, string, boolean]>([
      ['web-?', 'web-1', true],
      ['web-?', 'web-12', false],
      ['web-?', 'web-', false],
      ['??', 'ab', true],
      ['??', 'a', false],
    ])('%p against %p is %p', (pattern, name, expected) => {
      expect(matchesPattern(pattern, name)).toBe(expected);
    });
  });

  describe('when the pattern has regex metacharacters', () => {
    it.each<[string, string, boolean]>([
      ['api.v1', 'api.v1', true],
      ['api.v1', 'apixv1', false],
      ['a+', 'a+', true],
      ['a+', 'aa', false],
      ['job(1)', 'job(1)', true],
      ['job(1)', 'job1', false],
      ['x|y', 'x', false],
      ['[ab]', 'a', false],
      ['[ab]', '[ab]', true],
      ['a$', 'a$', true],
      ['^a', '^a', true],
      ['a{2}', 'aa', false],
      ['a\\b', 'a\\b', true],
    ])('takes %p literally against %p (%p)', (pattern, name, expected) => {
      expect(matchesPattern(pattern, name)).toBe(expected);
    });
  });

  describe('when the name only contains a match', () => {
    it('is anchored at both ends: web-* does not match web', () => {
      expect(matchesPattern('web-*', 'web')).toBe(false);
    });

    it('does not match a longer name', () => {
      expect(matchesPattern('web', 'web-1')).toBe(false);
      expect(matchesPattern('web', 'my-web')).toBe(false);
    });

    it('matches the exact name', () => {
      expect(matchesPattern('web', 'web')).toBe(true);
    });
  });

  describe('when the pattern is empty', () => {
    it('matches only the empty name', () => {
      expect(matchesPattern('', 'web')).toBe(false);
      expect(matchesPattern('', '')).toBe(true);
    });
  });

  describe('when the same pattern is used again', () => {
    it('gives the same answers (the compiled form is cached)', () => {
      expect([matchesPattern('web-?', 'web-1'), matchesPattern('web-?', 'web-1'), matchesPattern('web-?', 'web-22')]).toEqual([true, true, false]);
    });
  });
});
