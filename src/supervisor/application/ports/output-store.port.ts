import type { OutputStream } from './process-launcher.port.js';

/** Where children's stdout/stderr go: a rotated file per process plus the last lines in memory. */
export interface IOutputStore {
  append(name: string, stream: OutputStream, chunk: Buffer): void;
  /** The last `lines` lines (at most the ring size), oldest first. */
  tail(name: string, lines: number): string[];
  close(): Promise<void>;
}
