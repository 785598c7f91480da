// Where one process's output is written (PM2's out_file / error_file / log_file / merge_logs /
// log_date_format / time), as plain data: the infrastructure opens the files.

/** A child's output stream. */
export type LogStreamName = 'stdout' | 'stderr';

/** What PM2 writes for "/dev/null" and "NULL": that stream goes to no file. */
export const DISCARD = 'discard';
/** `log_file: true`: the combined file at the default place (the log directory's `<instance>.log`). */
export const DEFAULT_FILE = 'default';

/** The log fields of one spec; paths are absolute (resolved against the spec's cwd, as PM2 does). */
export interface LogFilesSpec {
  /** stdout's own file (PM2 `out_file`); null: the default `<instance>.log`; DISCARD: none. */
  readonly out: string | null;
  /** stderr's own file (PM2 `error_file`). */
  readonly err: string | null;
  /** A file with both streams (PM2 `log_file`), beside the others; null: none; DEFAULT_FILE: `<instance>.log`. */
  readonly combined: string | null;
  /** PM2 `merge_logs`: instances share the files above instead of each getting `-<index>` files. */
  readonly merge: boolean;
  /** PM2 `log_date_format` (or `time: true`): each line written is prefixed with `<date>: `. */
  readonly dateFormat: string | null;
}

/** One file an instance's output goes to. `path` null: the default `<instance>.log` in the log directory. */
export interface LogTarget {
  readonly path: string | null;
  readonly streams: readonly LogStreamName[];
  readonly dateFormat: string | null;
}

/**
 * The files of one instance. A stream without a file of its own goes to the default
 * `<instance>.log` (both streams, as without any PM2 field); `log_file` gets both beside;
 * two fields naming the same file share it.
 */
export function logTargets(logs: LogFilesSpec | undefined, index: number, instances: number): LogTarget[] {
  const spec = logs ?? { out: null, err: null, combined: null, merge: false, dateFormat: null };
  const own = (path: string): string => (instances > 1 && !spec.merge ? withInstanceSuffix(path, index) : path);
  const byPath = new Map<string | null, Set<LogStreamName>>();
  const add = (path: string | null, stream: LogStreamName): void => {
    if (path === DISCARD) return;
    const key = path === null || path === DEFAULT_FILE ? null : own(path);
    const streams = byPath.get(key) ?? new Set<LogStreamName>();
    streams.add(stream);
    byPath.set(key, streams);
  };
  add(spec.out, 'stdout');
  add(spec.err, 'stderr');
  if (spec.combined !== null) {
    add(spec.combined, 'stdout');
    add(spec.combined, 'stderr');
  }
  return [...byPath].map(([path, streams]) => ({
    path,
    streams: (['stdout', 'stderr'] as const).filter((s) => streams.has(s)),
    dateFormat: spec.dateFormat,
  }));
}

/** PM2's per-instance file: `out.log` → `out-2.log` (`-<index>` before the extension, or at the end). */
export function withInstanceSuffix(path: string, index: number): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? `${path.slice(0, dot)}-${index}${path.slice(dot)}` : `${path}-${index}`;
}
