import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type TypeScript from 'typescript';
import { HostProjectError } from './host-project.errors.js';

/** What a tsconfig says about the build, `extends` followed, as the host's TypeScript reads it. */
export interface TsconfigLayout {
  readonly file: string;
  /** Absolute. */
  readonly outDir: string;
  /** Where tsc emits the JavaScript of `source` (an absolute path); null if the config does not compile it. */
  outputOf(source: string): string | null;
  /** Every TypeScript source the config compiles (absolute; declaration files left out). */
  readonly sources: readonly string[];
  /** The directories those sources live under (watched for saves). */
  readonly sourceDirs: readonly string[];
  /** How the JavaScript is emitted, as SWC needs to be told it. */
  readonly emit: EmitOptions;
}

/** The compiler options SWC must follow to emit what tsc would. */
export interface EmitOptions {
  /** `es6` (ESM) or `commonjs`, for `.ts` files; `.mts`/`.cts` are always ESM/CommonJS. */
  readonly module: 'es6' | 'commonjs';
  /** SWC's `jsc.target`. */
  readonly target: string;
  readonly experimentalDecorators: boolean;
  readonly emitDecoratorMetadata: boolean;
  readonly useDefineForClassFields: boolean;
  /** `sourceMap` or `inlineSourceMap`: SWC writes the map inline. */
  readonly sourceMaps: boolean;
}

/**
 * Parses `file` with TypeScript's own API, so `extends` chains, `${configDir}` and
 * the version's defaults (TypeScript 6 roots the output at the config's directory
 * when `rootDir` is unset) are exactly what the compiler will use.
 * @throws HostProjectError (TSCONFIG_INVALID, OUT_DIR_MISSING)
 */
export function readTsconfigLayout(ts: typeof TypeScript, file: string): TsconfigLayout {
  const read = ts.readConfigFile(file, (path) => ts.sys.readFile(path));
  if (read.error) throw invalid(ts, file, [read.error]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file), undefined, file);
  const errors = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw invalid(ts, file, errors);
  const { outDir, noEmit, emitDeclarationOnly } = parsed.options;
  if (noEmit || emitDeclarationOnly) {
    throw new HostProjectError('OUT_DIR_MISSING', file, `${file} sets "${noEmit ? 'noEmit' : 'emitDeclarationOnly'}": procguard dev runs the JavaScript tsc emits; use a config that emits (nest-cli.json compilerOptions.tsConfigPath)`);
  }
  if (!outDir) {
    throw new HostProjectError('OUT_DIR_MISSING', file, `${file} sets no "compilerOptions.outDir" (nor does a config it extends): set one, e.g. "outDir": "./dist"`);
  }
  const ignoreCase = !ts.sys.useCaseSensitiveFileNames;
  const same = (a: string, b: string) => (ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b);
  const sources = parsed.fileNames.filter((name) => /\.[cm]?tsx?$/.test(name) && !/\.d\.[cm]?ts$/.test(name));
  const rootDir = parsed.options.rootDir;
  return {
    file,
    outDir,
    sources,
    sourceDirs: rootDir ? [rootDir] : [...new Set(sources.map((name) => dirname(name)))].filter((d, _, all) => !all.some((o) => o !== d && d.startsWith(`${o}/`))),
    emit: emitOptions(ts, parsed.options, dirname(file)),
    outputOf: (source) => {
      const normalized = ts.sys.resolvePath(source).replace(/\\/g, '/');
      if (!parsed.fileNames.some((name) => same(name, normalized))) return null;
      return ts.getOutputFileNames(parsed, normalized, ignoreCase).find((name) => /\.[cm]?js$/.test(name)) ?? null;
    },
  };
}

function emitOptions(ts: typeof TypeScript, options: TypeScript.CompilerOptions, configDir: string): EmitOptions {
  const target = options.target ?? ts.ScriptTarget.ES2023;
  const kind = options.module ?? ts.ModuleKind.CommonJS;
  const nodeStyle = kind >= ts.ModuleKind.Node16 && kind <= ts.ModuleKind.NodeNext;
  const esm = nodeStyle ? packageType(configDir) === 'module' : kind !== ts.ModuleKind.CommonJS;
  const name = ts.ScriptTarget[target]?.toLowerCase() ?? 'es2022';
  return {
    module: esm ? 'es6' : 'commonjs',
    // SWC names targets up to es2022; later ones emit the same syntax for what Nest code uses.
    target: name === 'latest' || name === 'esnext' ? 'esnext' : target > ts.ScriptTarget.ES2022 ? 'es2022' : name,
    experimentalDecorators: options.experimentalDecorators === true,
    emitDecoratorMetadata: options.emitDecoratorMetadata === true,
    useDefineForClassFields: options.useDefineForClassFields ?? target >= ts.ScriptTarget.ES2022,
    sourceMaps: options.sourceMap === true || options.inlineSourceMap === true,
  };
}

/** The `type` of the nearest package.json at or above `dir`, as Node decides a `.js` file's format. */
function packageType(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

function invalid(ts: typeof TypeScript, file: string, diagnostics: readonly TypeScript.Diagnostic[]): HostProjectError {
  const reasons = diagnostics.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  return new HostProjectError('TSCONFIG_INVALID', file, `${file} cannot be used: ${reasons.join('; ')}`);
}
