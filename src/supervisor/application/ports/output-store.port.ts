import type { OutputStream } from './process-launcher.port.js';

/** Longest line text (UTF-8 bytes) kept in memory for `tail` and the stream; longer ones are cut (the files keep them whole). */
export const MAX_TAIL_LINE_BYTES = 8 * 1024;
/** What ends a line cut to MAX_TAIL_LINE_BYTES (the file keeps it whole). */
export const truncationMarker = (originalBytes: number): string => ` …[truncated: ${originalBytes} bytes]`;
/** Matches a line that ends in the truncation marker. */
export const TRUNCATED_LINE = / …\[truncated: \d+ bytes\]$/;

/** One line of a child's output. */
export interface LogLine {
  /** Counts the lines of one process name from 1 since the backend started, in the order their newlines arrived. */
  readonly seq: number;
  /** When the line was read from the child's pipe (ISO). */
  readonly time: string;
  readonly stream: OutputStream;
  readonly text: string;
}

/**
 * Children's stdout/stderr: files per process (rotated by size) written outside the backend,
 * and the last lines in memory. The bytes never cross the backend's event loop.
 */
export interface IOutputStore {
  /** The last `lines` lines (at most the memory's lines and bytes), oldest first, as `<ISO time> <stream> <text>`. */
  tail(name: string, lines: number): Promise<string[]>;
  /** The `seq` of the newest line of `name` (0: none yet), as last reported by the writer (at most ~100 ms old). */
  lastSeq(name: string): number;
  /**
   * Calls `onLine` for each line of `name` with seq > `from` still in memory, then for
   * each new one; `'now'`: only lines printed from now on (lastSeq may lag, so "after lastSeq"
   * is not the same). A jump in seq is a gap (lines dropped for a follower too slow, or gone
   * from memory). Returns the unsubscribe.
   */
  follow(name: string, from: number | 'now', onLine: (line: LogLine) => void): () => void;
  close(): Promise<void>;
}
