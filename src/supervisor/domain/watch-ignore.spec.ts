import { globToRegExp, ignoreMatcher } from './watch-ignore.js';

describe('ignoreMatcher (ignore_watch patterns)', () => {
  const root = '/srv/app';

  it.each<[string, string, boolean]>([
    // A bare name or glob matches any component under the root.
    ['logs', '/srv/app/logs', true],
    ['logs', '/srv/app/logs/today.txt', true],
    ['logs', '/srv/app/src/logs/x', true],
    ['logs', '/srv/app/src/logsx', false],
    ['*.log', '/srv/app/a/b/out.log', true],
    ['*.log', '/srv/app/a/out.log.1', false],
    ['\\.git', '/srv/app/.git/HEAD', true],
    ['.git', '/srv/app/xgit', false],
    // A pattern with "/" is relative to the root, and covers what is under it.
    ['client/img', '/srv/app/client/img/a.png', true],
    ['client/img', '/srv/app/other/client/img/a.png', false],
    ['./client/img/', '/srv/app/client/img', true],
    ['tmp/**/*.tmp', '/srv/app/tmp/a/b/c.tmp', true],
    ['tmp/**/*.tmp', '/srv/app/tmp/c.tmp', true],
    ['tmp/*.tmp', '/srv/app/tmp/a/c.tmp', false],
    // Absolute patterns match absolute paths.
    ['/etc/app', '/etc/app/conf', true],
    // The root itself is never ignored by a relative pattern.
    ['app', '/srv/app', false],
  ])('%p on %p: %p', (pattern, path, ignored) => {
    expect(ignoreMatcher([pattern], root)(path)).toBe(ignored);
  });

  it('ignores nothing with no patterns', () => {
    expect(ignoreMatcher([], root)('/srv/app/x')).toBe(false);
  });

  it('escapes regular-expression characters: a pattern is never a regular expression', () => {
    expect(globToRegExp('a+b(c)').test('a+b(c)')).toBe(true);
    expect(globToRegExp('a+b(c)').test('aab(c)')).toBe(false);
  });
});
