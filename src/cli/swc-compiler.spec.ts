import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EmitOptions } from './host-project/tsconfig-layout.js';
import { SwcCompiler } from './swc-compiler.js';

const ESM_WITH_METADATA: EmitOptions = {
  module: 'es6',
  target: 'es2022',
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: true,
  sourceMaps: false,
};

describe('SwcCompiler (real @swc/core, real files)', () => {
  let dir: string;
  const src = (name: string) => join(dir, 'src', name);
  const out = (name: string) => join(dir, 'dist', name.replace(/\.ts$/, '.js'));
  const compiler = (emit = ESM_WITH_METADATA) => new SwcCompiler({ emit, outputOf: (source) => (source.startsWith(join(dir, 'src')) ? out(source.slice(join(dir, 'src').length + 1)) : null) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'procguard-swc-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    // The compiled module imports reflect-metadata from this repository's node_modules.
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('emits ESM with the design:paramtypes metadata Nest injects by', async () => {
    writeFileSync(src('greeter.ts'), 'export class Greeter { greet(): string { return "hi"; } }\n');
    writeFileSync(
      src('app.ts'),
      [
        "import 'reflect-metadata';",
        "import { Greeter } from './greeter.js';",
        'const Injectable = (): ClassDecorator => () => undefined;',
        '@Injectable()',
        'export class App { constructor(private readonly greeter: Greeter, readonly n: number) {} hello(): string { return this.greeter.greet(); } }',
        'export const paramTypes = Reflect.getMetadata("design:paramtypes", App);',
      ].join('\n'),
    );

    const result = await compiler().compile([src('greeter.ts'), src('app.ts')]);

    expect(result).toMatchObject({ compiled: 2, failures: [] });
    const app = (await import(pathToFileURL(out('app.ts')).href)) as { paramTypes: unknown[]; App: new (...args: unknown[]) => { hello(): string } };
    const { Greeter } = (await import(pathToFileURL(out('greeter.ts')).href)) as { Greeter: new () => unknown };
    expect(app.paramTypes).toEqual([Greeter, Number]);
    expect(new app.App(new Greeter(), 1).hello()).toBe('hi');
  });

  it('reports a file it cannot parse, naming it, and writes the others', async () => {
    writeFileSync(src('good.ts'), 'export const good: number = 1;\n');
    writeFileSync(src('bad.ts'), 'export const bad = (;\n');

    const result = await compiler().compile([src('good.ts'), src('bad.ts')]);

    expect(result.compiled).toBe(1);
    expect(result.failures).toEqual([{ source: src('bad.ts'), message: expect.any(String) }]);
    expect(existsSync(out('good.ts'))).toBe(true);
    expect(existsSync(out('bad.ts'))).toBe(false);
  });

  it('emits CommonJS when the host builds CommonJS, and skips what the build does not include', async () => {
    writeFileSync(src('cjs.ts'), 'export const value: string = "x";\n');
    writeFileSync(join(dir, 'outside.ts'), 'export const no = 1;\n');

    const result = await compiler({ ...ESM_WITH_METADATA, module: 'commonjs' }).compile([src('cjs.ts'), join(dir, 'outside.ts')]);

    expect(result.compiled).toBe(1);
    expect(readFileSync(out('cjs.ts'), 'utf8')).toMatch(/exports/);
  });

  it('replaces a symlink at the output instead of writing through it', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    mkdirSync(join(dir, 'dist'));
    symlinkSync(victim, out('x.ts'));
    writeFileSync(src('x.ts'), 'export const x = 1;\n');

    await compiler().compile([src('x.ts')]);

    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(out('x.ts'), 'utf8')).toContain('export const x = 1');
  });
});
