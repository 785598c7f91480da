// Messages between the backend and its log writer (Node IPC, JSON). The child's stdout and
// stderr pipes travel with `attach` as handles, so their bytes never cross the backend.

import type { LogLine } from '../../application/ports/output-store.port.js';
import type { LogStreamName } from '../../domain/log-files.js';

/** One file a stream goes to, as the writer opens it. */
export interface WriterTarget {
  readonly path: string;
  readonly dateFormat: string | null;
  /** The file also takes the other stream: write whole lines only, so the two never mix in one line. */
  readonly shared: boolean;
}

export type ToWriter =
  | { readonly t: 'attach'; readonly name: string; readonly stream: LogStreamName; readonly targets: readonly WriterTarget[] }
  | { readonly t: 'tail'; readonly id: number; readonly name: string; readonly lines: number }
  | { readonly t: 'follow'; readonly name: string; readonly after: number }
  | { readonly t: 'unfollow'; readonly name: string }
  | { readonly t: 'close' };

export type FromWriter =
  | { readonly t: 'tail'; readonly id: number; readonly lines: readonly string[] }
  | { readonly t: 'lines'; readonly name: string; readonly lines: readonly LogLine[] }
  /** The newest seq of each process whose output moved since the last report (every SEQ_REPORT_MS at most). */
  | { readonly t: 'seq'; readonly seqs: Readonly<Record<string, number>> }
  | { readonly t: 'storage'; readonly ok: boolean; readonly error?: string; readonly code?: string }
  | { readonly t: 'warn'; readonly message: string };

/** How often the writer reports the newest seq of the processes that printed. */
export const SEQ_REPORT_MS = 100;

/** The writer's settings, passed as its one argument (JSON). */
export interface WriterSettings {
  readonly maxBytes: number;
  readonly keepFiles: number;
  readonly ringBytes: number;
  readonly ringLines: number;
}
