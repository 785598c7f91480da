import { dirname } from 'node:path';
import type TypeScript from 'typescript';
import { HostProjectError } from './host-project.errors.js';

/** What a tsconfig says about the build, `extends` followed, as the host's TypeScript reads it. */
export interface TsconfigLayout {
  readonly file: string;
  /** Absolute. */
  readonly outDir: string;
  /** Where tsc emits the JavaScript of `source` (an absolute path); null if the config does not compile it. */
  outputOf(source: string): string | null;
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
  return {
    file,
    outDir,
    outputOf: (source) => {
      const normalized = ts.sys.resolvePath(source).replace(/\\/g, '/');
      if (!parsed.fileNames.some((name) => same(name, normalized))) return null;
      return ts.getOutputFileNames(parsed, normalized, ignoreCase).find((name) => /\.[cm]?js$/.test(name)) ?? null;
    },
  };
}

function invalid(ts: typeof TypeScript, file: string, diagnostics: readonly TypeScript.Diagnostic[]): HostProjectError {
  const reasons = diagnostics.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  return new HostProjectError('TSCONFIG_INVALID', file, `${file} cannot be used: ${reasons.join('; ')}`);
}
