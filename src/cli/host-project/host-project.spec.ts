import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { HostProjectError, type HostProjectProblem } from './host-project.errors.js';
import { resolveHostProject } from './host-project.js';
import type { HostTypeScript } from './host-typescript.js';

// Real files in a temp dir and the real TypeScript API (the host's, here ours); only
// the lookup of the host's typescript package is a seam, so no node_modules is needed.
const withRepoTypeScript = (): HostTypeScript => ({ ts, tscPath: '/host/node_modules/typescript/bin/tsc' });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'procguard-host-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: unknown): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
}

const options = (extra: Record<string, unknown> = {}) => ({ compilerOptions: { outDir: './dist', rootDir: './src', module: 'nodenext', noLib: true, types: [], ...extra } });
const resolve = () => resolveHostProject(dir, withRepoTypeScript);

function problem(run: () => unknown): HostProjectError {
  try {
    run();
  } catch (error) {
    if (error instanceof HostProjectError) return error;
    throw error;
  }
  throw new Error('expected a HostProjectError');
}

function expectProblem(code: HostProjectProblem, file: string, ...mentions: string[]): void {
  const error = problem(resolve);
  expect(error.code).toBe(code);
  expect(error.file).toBe(join(dir, file));
  for (const text of [join(dir, file), ...mentions]) expect(error.message).toContain(text);
}

/** Emits the project with the real compiler: the built entry must be where tsc puts it. */
function emitWithTsc(tsconfigPath: string): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  ts.createProgram(parsed!.fileNames, parsed!.options).emit();
}

describe('resolveHostProject', () => {
  describe('when the project has no nest-cli.json and one tsconfig.json', () => {
    it("uses Nest's defaults: src/main.ts, built to <outDir>/main.js, with the host's tsc", () => {
      write('src/main.ts', 'export {};\n');
      write('tsconfig.json', options());

      const project = resolve();

      expect(project).toMatchObject({
        dir,
        tsconfigPath: join(dir, 'tsconfig.json'),
        outDir: join(dir, 'dist'),
        entrySource: join(dir, 'src', 'main.ts'),
        builtEntry: join(dir, 'dist', 'main.js'),
        tscPath: '/host/node_modules/typescript/bin/tsc',
        notes: [],
      });
      expect(project.layout.sources).toEqual([join(dir, 'src', 'main.ts')]);
      expect(project.layout.sourceDirs).toEqual([join(dir, 'src')]);
      emitWithTsc(project.tsconfigPath);
      expect(existsSync(project.builtEntry)).toBe(true);
    });
  });

  describe('when tsconfig.json sets no rootDir', () => {
    it('expects the entry where this TypeScript emits it (6.x roots the output at the config: dist/src/main.js)', () => {
      write('src/main.ts', 'export {};\n');
      write('src/util/helper.ts', 'export const x = 1;\n');
      const { compilerOptions } = options();
      write('tsconfig.json', { compilerOptions: { ...compilerOptions, rootDir: undefined } });

      const project = resolve();
      emitWithTsc(project.tsconfigPath);

      expect(existsSync(project.builtEntry)).toBe(true);
      expect(project.builtEntry).toBe(join(dir, 'dist', ts.versionMajorMinor.startsWith('5.') ? '' : 'src', 'main.js'));
    });
  });

  describe('when a tsconfig.build.json is there too', () => {
    it('compiles with it, as nest build does', () => {
      write('src/main.ts', 'export {};\n');
      write('tsconfig.json', options({ outDir: './wrong' }));
      write('tsconfig.build.json', { extends: './tsconfig.json', compilerOptions: { outDir: './dist' }, exclude: ['test'] });

      expect(resolve()).toMatchObject({ tsconfigPath: join(dir, 'tsconfig.build.json'), builtEntry: join(dir, 'dist', 'main.js') });
    });
  });

  describe('when nest-cli.json names its own sourceRoot, entryFile and tsConfigPath', () => {
    it('runs that entry, compiled with that config', () => {
      write('nest-cli.json', { sourceRoot: 'apps/api', entryFile: 'server', compilerOptions: { tsConfigPath: 'apps/api/tsconfig.app.json' } });
      write('apps/api/server.ts', 'export {};\n');
      write('tsconfig.build.json', options());
      write('apps/api/tsconfig.app.json', options({ outDir: '../../dist/apps/api', rootDir: '.' }));

      const project = resolve();

      expect(project).toMatchObject({
        tsconfigPath: join(dir, 'apps/api/tsconfig.app.json'),
        entrySource: join(dir, 'apps/api/server.ts'),
        builtEntry: join(dir, 'dist/apps/api/server.js'),
      });
      emitWithTsc(project.tsconfigPath);
      expect(existsSync(project.builtEntry)).toBe(true);
    });
  });

  describe('when outDir comes from a config it extends, in another directory', () => {
    it('resolves outDir against the file that set it, as tsc does', () => {
      write('src/main.ts', 'export {};\n');
      write('config/base.json', options({ outDir: '../build', rootDir: '../src' }));
      write('tsconfig.json', { extends: './config/base.json', include: ['src'] });

      expect(resolve()).toMatchObject({ outDir: join(dir, 'build'), builtEntry: join(dir, 'build', 'main.js') });
    });
  });

  describe('when the entry is an .mts file', () => {
    it('runs the .mjs tsc emits', () => {
      write('src/main.mts', 'export {};\n');
      write('tsconfig.json', options());

      expect(resolve().builtEntry).toBe(join(dir, 'dist', 'main.mjs'));
    });
  });

  describe('when nest-cli.json asks for another builder', () => {
    it('says that SWC compiles all the same, and says nothing for swc itself', () => {
      write('nest-cli.json', { compilerOptions: { webpack: true } });
      write('src/main.ts', 'export {};\n');
      write('tsconfig.json', options());
      expect(resolve().notes).toEqual([expect.stringContaining('names the webpack builder; procguard dev compiles with SWC')]);

      write('nest-cli.json', { compilerOptions: { builder: 'swc' } });
      expect(resolve().notes).toEqual([]);
    });
  });

  describe('how SWC is told to emit, from the tsconfig and package.json as tsc reads them', () => {
    beforeEach(() => write('src/main.ts', 'export {};\n'));

    it.each([
      [{ module: 'nodenext', target: 'es2023' }, 'module', { module: 'es6', target: 'es2022', useDefineForClassFields: true }],
      [{ module: 'nodenext', target: 'es2023' }, undefined, { module: 'commonjs' }],
      [{ module: 'commonjs', target: 'es2019' }, 'module', { module: 'commonjs', target: 'es2019', useDefineForClassFields: false }],
      [{ module: 'esnext', target: 'esnext', experimentalDecorators: true, emitDecoratorMetadata: true, sourceMap: true }, undefined, { module: 'es6', target: 'esnext', experimentalDecorators: true, emitDecoratorMetadata: true, sourceMaps: true }],
    ])('%p with package.json type %p', (compilerOptions, type, expected) => {
      write('package.json', type ? { type } : {});
      write('tsconfig.json', options(compilerOptions));
      expect(resolve().layout.emit).toMatchObject(expected);
    });
  });

  describe('when nest-cli.json lists assets or compiler plugins', () => {
    it('reads the assets to copy, and says the plugins are not applied', () => {
      write('nest-cli.json', {
        compilerOptions: { assets: ['**/*.graphql', { include: 'views/*', exclude: 'views/x.*', outDir: 'public' }], plugins: ['@nestjs/swagger'], watchAssets: true },
      });
      write('src/main.ts', 'export {};\n');
      write('tsconfig.json', options());

      const project = resolve();
      expect(project.notes).toEqual([expect.stringContaining('sets compilerOptions.plugins, which only the Nest CLI applies')]);
      expect(project.assets).toEqual({
        sourceRoot: 'src',
        entries: [
          { include: '**/*.graphql', exclude: null, outDir: null },
          { include: 'views/*', exclude: 'views/x.*', outDir: 'public' },
        ],
      });
    });

    it('an asset entry of the wrong type is named', () => {
      write('nest-cli.json', { compilerOptions: { assets: [42] } });
      write('src/main.ts', 'export {};\n');
      write('tsconfig.json', options());

      expect(() => resolve()).toThrow('"compilerOptions.assets[0]" must be a glob or an object with "include", got 42');
    });
  });

  describe('when the layout is wrong, the error names the file', () => {
    beforeEach(() => write('src/main.ts', 'export {};\n'));

    it('a nest-cli.json that is not JSON', () => {
      write('nest-cli.json', '{ "sourceRoot": ');
      write('tsconfig.json', options());
      expectProblem('NEST_CLI_INVALID', 'nest-cli.json', 'is not valid JSON');
    });

    it('a nest-cli.json field of the wrong type', () => {
      write('nest-cli.json', { sourceRoot: 42 });
      write('tsconfig.json', options());
      expectProblem('NEST_CLI_INVALID', 'nest-cli.json', '"sourceRoot" must be a non-empty string, got 42');
    });

    it('a compilerOptions.tsConfigPath that does not exist', () => {
      write('nest-cli.json', { compilerOptions: { tsConfigPath: 'tsconfig.app.json' } });
      write('tsconfig.json', options());
      const error = problem(resolve);
      expect(error.code).toBe('TSCONFIG_MISSING');
      expect(error.message).toContain(`${join(dir, 'nest-cli.json')}: "compilerOptions.tsConfigPath" names tsconfig.app.json, which does not exist`);
    });

    it('no tsconfig at all', () => {
      expectProblem('TSCONFIG_MISSING', 'tsconfig.json', 'nor a tsconfig.build.json beside it');
    });

    it('a tsconfig that is not JSON', () => {
      write('tsconfig.json', '{ "compilerOptions": { "outDir": ');
      expectProblem('TSCONFIG_INVALID', 'tsconfig.json', 'TS1');
    });

    it('a tsconfig extending a file that is not there', () => {
      write('tsconfig.json', { extends: './base.json', ...options() });
      expectProblem('TSCONFIG_INVALID', 'tsconfig.json', 'base.json');
    });

    it('a tsconfig without outDir', () => {
      write('tsconfig.json', { compilerOptions: { rootDir: './src', noLib: true } });
      expectProblem('OUT_DIR_MISSING', 'tsconfig.json', '"compilerOptions.outDir"');
    });

    it('a tsconfig with noEmit', () => {
      write('tsconfig.json', options({ noEmit: true }));
      expectProblem('OUT_DIR_MISSING', 'tsconfig.json', '"noEmit"');
    });

    it('an entry file that does not exist', () => {
      write('nest-cli.json', { entryFile: 'server' });
      write('tsconfig.json', options());
      expectProblem('ENTRY_MISSING', 'src/server.ts', 'entryFile "server"', join(dir, 'nest-cli.json'));
    });

    it('a tsconfig that does not compile the entry', () => {
      write('lib/other.ts', 'export {};\n');
      write('tsconfig.json', { ...options(), include: ['lib'] });
      expectProblem('ENTRY_NOT_COMPILED', 'tsconfig.json', 'does not compile the entry file src/main.ts');
    });

    it('a project directory that does not exist', () => {
      const missing = join(dir, 'nope');
      const error = problem(() => resolveHostProject(missing, withRepoTypeScript));
      expect(error).toMatchObject({ code: 'PROJECT_DIR_MISSING', file: missing, message: `The project directory ${missing} does not exist` });
    });

    it('a project without typescript installed', () => {
      write('tsconfig.json', options());
      const error = problem(() => resolveHostProject(dir));
      expect(error).toMatchObject({ code: 'TYPESCRIPT_MISSING', file: dir });
      expect(error.message).toContain('npm install --save-dev typescript');
    });
  });
});
