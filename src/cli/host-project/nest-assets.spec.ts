import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { copyNestAssets, globToRegExp } from './nest-assets.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nest-assets-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content = path): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

describe('globToRegExp', () => {
  it.each([
    ['dashboard/assets/*', 'dashboard/assets/index.html', true],
    ['dashboard/assets/*', 'dashboard/assets/deep/index.html', false],
    ['**/*.graphql', 'schema.graphql', true],
    ['**/*.graphql', 'a/b/schema.graphql', true],
    ['**/*.graphql', 'a/b/schema.graphqlx', false],
    ['i18n/**', 'i18n/en/x.json', true],
    ['file?.txt', 'file1.txt', true],
    ['a.b', 'axb', false],
  ])('%s against %s: %s', (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});

describe('copyNestAssets', () => {
  it('copies the matching files under sourceRoot to the outDir, keeping their paths, as nest build does', () => {
    write('src/dashboard/assets/index.html', '<html>');
    write('src/dashboard/assets/app.js', 'js');
    write('src/dashboard/page.ts', 'ts');
    write('src/views/a.hbs');
    write('src/views/skip.hbs');

    const copied = copyNestAssets(dir, 'src', join(dir, 'dist'), [
      { include: 'dashboard/assets/*', exclude: null, outDir: 'dist' },
      { include: 'views/*.hbs', exclude: 'views/skip.*', outDir: 'public' },
    ]);

    expect(copied.sort()).toEqual(
      [join(dir, 'dist/dashboard/assets/app.js'), join(dir, 'dist/dashboard/assets/index.html'), join(dir, 'public/views/a.hbs')].sort(),
    );
    expect(readFileSync(join(dir, 'dist/dashboard/assets/index.html'), 'utf8')).toBe('<html>');
    expect(existsSync(join(dir, 'dist/dashboard/page.ts'))).toBe(false);
  });

  it('replaces a symlink planted at a target instead of writing through it', () => {
    write('src/a.txt', 'asset');
    write('outside.txt', 'keep me');
    mkdirSync(join(dir, 'dist'));
    symlinkSync(join(dir, 'outside.txt'), join(dir, 'dist/a.txt'));

    copyNestAssets(dir, 'src', join(dir, 'dist'), [{ include: '*.txt', exclude: null, outDir: null }]);

    expect(readFileSync(join(dir, 'outside.txt'), 'utf8')).toBe('keep me');
    expect(lstatSync(join(dir, 'dist/a.txt')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'dist/a.txt'), 'utf8')).toBe('asset');
  });

  it('never walks node_modules nor the output when it sits under sourceRoot', () => {
    write('node_modules/x/a.txt');
    write('build/a.txt');
    write('b.txt');

    const copied = copyNestAssets(dir, '.', join(dir, 'build'), [{ include: '**/*.txt', exclude: null, outDir: null }]);

    expect(copied).toEqual([join(dir, 'build/b.txt')]);
  });
});
