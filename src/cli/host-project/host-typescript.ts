import { createRequire } from 'node:module';
import { join } from 'node:path';
import type TypeScript from 'typescript';
import { HostProjectError } from './host-project.errors.js';

/** The host's own TypeScript: the compiler its build uses, so `procguard dev` compiles the same way. */
export interface HostTypeScript {
  readonly ts: typeof TypeScript;
  /** `typescript/bin/tsc` as resolved from the project directory. */
  readonly tscPath: string;
}

/**
 * Resolves `typescript` the way the host's own scripts would (Node resolution from
 * the project directory), never procguard's copy: the versions may differ.
 * @throws HostProjectError (TYPESCRIPT_MISSING)
 */
export function loadHostTypeScript(projectDir: string): HostTypeScript {
  const require = createRequire(join(projectDir, 'package.json'));
  try {
    return { ts: require('typescript') as typeof TypeScript, tscPath: require.resolve('typescript/bin/tsc') };
  } catch (error) {
    throw new HostProjectError(
      'TYPESCRIPT_MISSING',
      projectDir,
      `TypeScript is not installed in ${projectDir} (typescript/bin/tsc cannot be resolved from there): run \`npm install --save-dev typescript\` in the project`,
      { cause: error },
    );
  }
}
