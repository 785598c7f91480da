// `npm run dev` in this repository: runs procguard's own CLI (`procguard dev`) from its
// sources. The CLI is compiled with SWC into .dev-cli/ first (about a quarter of a second
// for every source) and then imported into this very process, so npm's `exec` still hands
// the terminal's signals straight to the session. tsx did this in ~1.5 s: its loader hooks
// ran on every module, the host's 9 MB TypeScript included. Always recompiled, never
// cached: a stale CLI cannot run. Each file is written atomically (temp file + rename), so a
// second `npm run dev` compiling at the same time writes the same bytes and is then refused
// by the session's lock, before it compiles anything of the app.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(root, 'src');
// Two levels below the repository, as dist/cli/ is: the CLI finds ../../package.json from either.
const outRoot = join(root, '.dev-cli');
const swc = createRequire(import.meta.url)('@swc/core');

/** Every source the CLI may import: src/ without tests, declarations or browser assets. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'assets' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name) ? [path] : [];
  });
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

await Promise.all(
  sources(sourceRoot).map(async (source) => {
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
  }),
);
await import(pathToFileURL(join(outRoot, 'cli', 'procguard.js')).href);
