import type { OutputStream } from './process-launcher.port.js';

/** Longest line (UTF-8 bytes, time and stream included) kept in memory for `tail`; longer ones are cut. */
export const MAX_TAIL_LINE_BYTES = 8 * 1024;
/** What ends a line cut to MAX_TAIL_LINE_BYTES (the file keeps it whole). */
export const truncationMarker = (originalBytes: number): string => ` …[truncated: ${originalBytes} bytes]`;
/** Matches a line that ends in the truncation marker. */
export const TRUNCATED_LINE = / …\[truncated: \d+ bytes\]$/;

/** Where children's stdout/stderr go: a rotated file per process plus the last lines in memory. */
export interface IOutputStore {
  append(name: string, stream: OutputStream, chunk: Buffer): void;
  /** The last `lines` lines (at most the ring's lines and bytes), oldest first. */
  tail(name: string, lines: number): string[];
  close(): Promise<void>;
}
