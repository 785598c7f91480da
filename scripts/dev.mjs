// `npm run dev` in this repository: runs procguard's own CLI (`procguard dev`) from its
// sources. The CLI is compiled with SWC into .dev-cli/ first and then imported into this very
// process, so npm's `exec` still hands the terminal's signals straight to the session. Only the
// CLI's own module graph is compiled (about a quarter of src/), found by following each compiled
// file's relative imports from cli/procguard.ts. tsx did this in ~1.5 s: its loader hooks ran on every module, the host's
// 9 MB TypeScript included. Always recompiled, never cached: a stale CLI cannot run. Each file
// is written atomically (temp file + rename), so a second `npm run dev` compiling at the same
// time writes the same bytes and is then refused by the session's lock, before it compiles
// anything of the app.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(root, 'src');
// Two levels below the repository, as dist/cli/ is: the CLI finds ../../package.json from either.
const outRoot = join(root, '.dev-cli');
const swc = createRequire(import.meta.url)('@swc/core');

/**
 * Relative modules a compiled file imports (static, dynamic, re-exports), as sources. Files named
 * by `new URL(…, import.meta.url)` are not followed: `procguard up`'s server (main.js) is the
 * whole app, which `npm run dev` compiles into dist/ itself.
 */
function importedSources(code, source) {
  const found = new Set();
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.\.?\/[^'"]+)\.js['"]/g;
  for (const match of code.matchAll(specifier)) {
    const path = join(dirname(source), `${match[1]}.ts`);
    if (existsSync(path)) found.add(path);
  }
  return found;
}

// The options tsconfig.json gives tsc (ES2023, ES modules, legacy decorators with metadata for Nest).
const options = (filename) => ({
  swcrc: false,
  configFile: false,
  filename,
  module: { type: 'es6' },
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
  },
});

const compiled = new Set();
/** Compiles `source` and, in parallel, every source it imports not compiled yet. */
async function compile(source) {
  if (compiled.has(source)) return;
  compiled.add(source);
  const { code } = await swc.transformFile(source, options(source));
  const output = join(outRoot, relative(sourceRoot, source)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(output), { recursive: true });
  const temp = `${output}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, code);
    renameSync(temp, output);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  await Promise.all([...importedSources(code, source)].map(compile));
}

await compile(join(sourceRoot, 'cli', 'procguard.ts'));
await import(pathToFileURL(join(outRoot, 'cli', 'procguard.js')).href);
