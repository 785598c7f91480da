import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Options as SwcOptions } from '@swc/core';
import { NodeFileSystem } from '../lifecycle/infrastructure/node-file-system.adapter.js';
import { HostProjectError } from './host-project/host-project.errors.js';
import type { EmitOptions } from './host-project/tsconfig-layout.js';

/** One source SWC could not compile (a syntax error): its message, as SWC words it. */
export interface CompileFailure {
  readonly source: string;
  readonly message: string;
}

export interface CompileResult {
  readonly compiled: number;
  readonly failures: readonly CompileFailure[];
  readonly ms: number;
}

/** Where each source's JavaScript goes (null: not part of the build), and how to emit it. */
export interface SwcTarget {
  outputOf(source: string): string | null;
  readonly emit: EmitOptions;
}

/**
 * procguard's own @swc/core (a host need not install it).
 * @throws HostProjectError (SWC_MISSING) when it, or its native binary for this platform, is not installed
 */
export function loadSwc(): typeof import('@swc/core') {
  try {
    return createRequire(import.meta.url)('@swc/core') as typeof import('@swc/core');
  } catch (error) {
    throw new HostProjectError(
      'SWC_MISSING',
      import.meta.url,
      `procguard dev compiles with @swc/core, which cannot be loaded from procguard's installation (${(error as Error).message.split('\n')[0]}): reinstall procguard (npm install), which depends on it`,
      { cause: error },
    );
  }
}

/**
 * Compiles a host's TypeScript sources one file at a time with SWC: types are stripped, not
 * checked (tsc --noEmit beside it does that), decorators and their `design:*` metadata emitted
 * as tsc's `experimentalDecorators` + `emitDecoratorMetadata` do, which Nest's injection needs.
 * Each output is written atomically (temp file + rename): an app starting meanwhile never
 * reads half a file, and a symlink at the output is replaced, never written through.
 */
export class SwcCompiler {
  private swc: typeof import('@swc/core') | null = null;
  private readonly fs = new NodeFileSystem();

  constructor(
    private target: SwcTarget,
    swc?: typeof import('@swc/core'),
  ) {
    this.swc = swc ?? null;
  }

  /** The tsconfig was read again (a file was added). */
  retarget(target: SwcTarget): void {
    this.target = target;
  }

  /** Compiles `sources` (all at once, on libuv's thread pool) and writes each output. */
  async compile(sources: readonly string[]): Promise<CompileResult> {
    const started = performance.now();
    this.swc ??= loadSwc();
    const failures: CompileFailure[] = [];
    let compiled = 0;
    await Promise.all(
      sources.map(async (source) => {
        const output = this.target.outputOf(source);
        if (!output) return;
        try {
          const { code } = await this.swc!.transformFile(source, this.options(source));
          mkdirSync(dirname(output), { recursive: true });
          this.fs.writeAtomic(output, code);
          compiled++;
        } catch (error) {
          failures.push({ source, message: String((error as Error).message ?? error).trim() });
        }
      }),
    );
    return { compiled, failures, ms: performance.now() - started };
  }

  /** A deleted source: its output goes too, so a stale module cannot be imported by mistake. */
  remove(source: string): void {
    const output = this.target.outputOf(source) ?? null;
    if (output) rmSync(output, { force: true });
  }

  private options(source: string): SwcOptions {
    const { emit } = this.target;
    const module = source.endsWith('.mts') ? 'es6' : source.endsWith('.cts') ? 'commonjs' : emit.module;
    return {
      swcrc: false,
      configFile: false,
      filename: source,
      sourceMaps: emit.sourceMaps ? 'inline' : false,
      module: { type: module },
      jsc: {
        parser: { syntax: 'typescript', decorators: emit.experimentalDecorators, tsx: source.endsWith('x') },
        target: emit.target as NonNullable<SwcOptions['jsc']>['target'],
        keepClassNames: true,
        transform: {
          legacyDecorator: emit.experimentalDecorators,
          decoratorMetadata: emit.emitDecoratorMetadata,
          useDefineForClassFields: emit.useDefineForClassFields,
        },
      },
    };
  }
}
