import type { OutputStream } from './process-launcher.port.js';

/** Longest line (UTF-8 bytes, time and stream included) kept in memory for `tail`; longer ones are cut. */
export const MAX_TAIL_LINE_BYTES = 8 * 1024;
/** What ends a line cut to MAX_TAIL_LINE_BYTES (the file keeps it whole). */
export const truncationMarker = (originalBytes: number): string => ` …[truncated: ${originalBytes} bytes]`;
/** Matches a line that ends in the truncation marker. */
export const TRUNCATED_LINE = / …\[truncated: \d+ bytes\]$/;

/** One line of a process's output, as the live log stream sends it. */
export interface LogLine {
  /** Counts this name's lines from 1 since the backend started; a resumed stream asks for the ones after it. */
  readonly seq: number;
  /** ISO time the backend read the line. */
  readonly time: string;
  readonly stream: OutputStream;
  readonly text: string;
}

/** Where children's stdout/stderr go: a rotated file per process plus the last lines in memory. */
export interface IOutputStore {
  append(name: string, stream: OutputStream, chunk: Buffer): void;
  /** The last `lines` lines (at most the ring's lines and bytes), oldest first. */
  tail(name: string, lines: number): string[];
  /** The `seq` of the newest line of `name` (0: none yet). */
  lastSeq(name: string): number;
  /**
   * Calls `onLine` for each line after `afterSeq` still held in memory (at once, oldest first),
   * then for every new line, until the returned function is called. A first line whose seq
   * is past `afterSeq + 1` means the ones between were dropped from memory.
   */
  follow(name: string, afterSeq: number, onLine: (line: LogLine) => void): () => void;
  close(): Promise<void>;
}
