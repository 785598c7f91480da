import { parseProcessConfig } from '../process-config.parser.js';
import type { ProcessSpec } from '../process-spec.js';
import { InvalidProcessConfigError } from '../supervisor.errors.js';

export const SOURCE = '/etc/procguard/processes.yaml';
export const BASE_DIR = '/srv/app';

/** Stands in for path.resolve: absolute paths kept, relative ones joined to the base. */
export function fakeResolvePath(base: string, p: string): string {
  return p.startsWith('/') ? p : `${base}/${p}`;
}

export function parse(raw: unknown): ProcessSpec[] {
  return parseProcessConfig(raw, { source: SOURCE, baseDir: BASE_DIR, resolvePath: fakeResolvePath });
}

/** The error parsing `raw` throws; fails the test when it parses. */
export function errorOf(raw: unknown): InvalidProcessConfigError {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof InvalidProcessConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected, but it parsed');
}

export function problemsOf(raw: unknown): readonly string[] {
  return errorOf(raw).problems;
}

/** A valid process named "web" running `node`, with `fields` added (or overriding). */
export function processWith(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'web', command: 'node', ...fields };
}

/** The one spec of `{ processes: [processWith(fields)] }`. */
export function specWith(fields: Record<string, unknown> = {}): ProcessSpec {
  return parse({ processes: [processWith(fields)] })[0];
}

/** The problems of `{ processes: [processWith(fields)] }`. */
export function problemsWith(fields: Record<string, unknown>): readonly string[] {
  return problemsOf({ processes: [processWith(fields)] });
}
