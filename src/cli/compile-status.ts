/** What one line of `tsc --watch` output says about the compile, if anything. */
export type CompileStatus = { readonly kind: 'compiling' } | { readonly kind: 'compiled'; readonly errors: number };

const STARTED = /Starting compilation in watch mode|File change detected\. Starting incremental compilation/;
const FINISHED = /Found (\d+) errors?\. Watching for file changes\./;

/**
 * Reads tsc's watch status lines ("Found 2 errors. Watching for file changes.");
 * any other line (a diagnostic, a blank) says nothing. Tolerates a timestamp and colour codes.
 */
export function parseCompileStatus(line: string): CompileStatus | null {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  const finished = FINISHED.exec(plain);
  if (finished) return { kind: 'compiled', errors: Number(finished[1]) };
  if (STARTED.test(plain)) return { kind: 'compiling' };
  return null;
}
