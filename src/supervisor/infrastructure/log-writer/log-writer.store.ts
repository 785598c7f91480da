import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IStorageHealth } from '../../../lifecycle/application/ports/storage-health.port.js';
import type { IOutputStore, LogLine } from '../../application/ports/output-store.port.js';
import type { LogStreamName, LogTarget } from '../../domain/log-files.js';
import { isProcessName } from '../../domain/process-name.js';
import type { FromWriter, ToWriter, WriterSettings, WriterTarget } from './log-writer.protocol.js';

export interface LogWriterStoreOptions {
  /** Directory of the default `<name>.log` files; created (mode 0o750) on first use. */
  readonly dir: string;
  /** Size a log file may reach before it is rotated. @default 5 MiB */
  readonly maxBytes?: number;
  /** Rotated files kept (`<file>.1` … `.N`). @default 3 */
  readonly keepFiles?: number;
  /** Complete lines a tail returns at most. @default 500 */
  readonly ringLines?: number;
  /** Bytes of output kept in memory per process (in the writer). @default 256 KiB */
  readonly ringBytes?: number;
  /** Where failing writes (full disk, I/O error) are reported as "process logs". */
  readonly storage?: IStorageHealth;
  /** A log file that cannot be used, or the writer's own trouble. */
  readonly log?: (message: string) => void;
  /** The writer's entry (tests). @default log-writer.main.js beside this file */
  readonly writerPath?: string;
}

/** How this store is named in storage health. */
export const PROCESS_LOGS = 'process logs';

/** A tail the writer does not answer in this time is empty (the writer is stuck or gone). */
const TAIL_TIMEOUT_MS = 2000;
/** How long close() waits for the writer to drain and exit. */
const CLOSE_TIMEOUT_MS = 6000;

/** True for a name that cannot escape the log directory: the config's own name rule. */
export function isSafeLogName(name: string): boolean {
  return isProcessName(name);
}

/** Where the launcher hands a child's pipes. */
export interface OutputSink {
  /** Hands the child's stdout and stderr pipes (libuv handles) to the writer; the backend keeps no copy. */
  attach(name: string, targets: readonly LogTarget[], pipes: Readonly<Record<LogStreamName, unknown>>): void;
}

/**
 * The backend's side of the log writer: starts it on first use, hands it each child's pipes,
 * asks it for tails and follows. The backend only ever sees the lines someone follows,
 * in bounded batches, and the small tails /logs asks for.
 */
export class LogWriterStore implements IOutputStore, OutputSink {
  private writer: ChildProcess | null = null;
  private readonly settings: WriterSettings;
  private nextId = 1;
  private readonly tails = new Map<number, (lines: string[]) => void>();
  private readonly followers = new Map<string, Set<{ after: number; onLine: (line: LogLine) => void }>>();
  private readonly log: (message: string) => void;
  private closed = false;
  /** The newest seq per name, as the writer last reported it. */
  private readonly seqs = new Map<string, number>();

  constructor(private readonly options: LogWriterStoreOptions) {
    this.settings = {
      maxBytes: clampInt(options.maxBytes, 5 * 1024 * 1024, 1),
      keepFiles: clampInt(options.keepFiles, 3, 0),
      ringLines: clampInt(options.ringLines, 500, 1),
      ringBytes: clampInt(options.ringBytes, 256 * 1024, 1024),
    };
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Sends the pipes on the next turn, after the event recorder's flush: the sends (two handles over
   * IPC, 0.5-4 ms measured) sat between a respawn and its `running` event on /api/events. Nothing is
   * lost meanwhile: no one reads the pipes, so a child that writes more than a pipe holds waits.
   */
  attach(name: string, targets: readonly LogTarget[], pipes: Readonly<Record<LogStreamName, unknown>>): void {
    if (!isSafeLogName(name)) throw new Error(`Refusing unsafe log name ${JSON.stringify(name)}`);
    setImmediate(() => this.handOver(name, targets, pipes));
  }

  private handOver(name: string, targets: readonly LogTarget[], pipes: Readonly<Record<LogStreamName, unknown>>): void {
    const handles = (['stdout', 'stderr'] as const).map((stream) => [stream, pipes[stream] as { close?: () => void } | null] as const);
    let writer: ChildProcess;
    try {
      // Closed (the backend is stopping): a child started this late keeps no output, and no new writer starts.
      if (this.closed) throw new Error('the log writer is closed');
      writer = this.ensureWriter();
    } catch (error) {
      handles.forEach(([, handle]) => handle?.close?.());
      this.log(`${name}: its output is discarded: ${(error as Error).message}`);
      return;
    }
    for (const [stream, handle] of handles) {
      const mine = targets.filter((t) => t.streams.includes(stream));
      const wanted: WriterTarget[] = mine.map((t) => ({
        path: t.path ?? join(this.options.dir, `${name}.log`),
        dateFormat: t.dateFormat,
        shared: t.streams.length > 1,
      }));
      if (!handle) continue;
      const message: ToWriter = { t: 'attach', name, stream, targets: wanted };
      // The handle is closed here once sent: from then on only the writer holds the pipe.
      try {
        writer.send(message, handle as never, {}, () => handle.close?.());
      } catch (error) {
        handle.close?.();
        this.log(`${name}: its ${stream} is discarded: ${(error as Error).message}`);
      }
    }
  }

  tail(name: string, lines: number): Promise<string[]> {
    const writer = this.writer;
    if (!writer?.connected) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.tails.delete(id);
        resolve([]);
      }, TAIL_TIMEOUT_MS);
      this.tails.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.sendToWriter({ t: 'tail', id, name, lines });
    });
  }

  lastSeq(name: string): number {
    return this.seqs.get(name) ?? 0;
  }

  follow(name: string, from: number | 'now', onLine: (line: LogLine) => void): () => void {
    const fromNow = from === 'now';
    const entry = { after: fromNow ? this.lastSeq(name) : Math.max(0, Math.floor(from) || 0), onLine };
    let set = this.followers.get(name);
    const first = !set;
    if (!set) {
      set = new Set();
      this.followers.set(name, set);
    }
    set.add(entry);
    // One follow per name in the writer, from the earliest a follower asks for; each gets what is after its own seq.
    // "From now" is the writer's own newest seq: the one known here may lag by SEQ_REPORT_MS, so a
    // number (a resume, a backlog) is always taken as it is, or lines after it would be skipped.
    const after = Math.min(...[...set].map((e) => e.after));
    if (first) this.sendToWriter({ t: 'follow', name, after: fromNow ? -1 : after });
    else if (!fromNow && entry.after === after) this.sendToWriter({ t: 'follow', name, after });
    return () => {
      set.delete(entry);
      if (set.size > 0 || this.followers.get(name) !== set) return;
      this.followers.delete(name);
      this.sendToWriter({ t: 'unfollow', name });
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const writer = this.writer;
    if (!writer || writer.exitCode !== null || writer.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    this.sendToWriter({ t: 'close' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (writer.connected) writer.disconnect();
  }

  /** The writer's pid (tests, bench), or null before the first child. */
  get writerPid(): number | null {
    return this.writer?.pid ?? null;
  }

  private sendToWriter(message: ToWriter): void {
    const writer = this.writer;
    if (!writer?.connected) return;
    try {
      writer.send(message);
    } catch {
      // gone: its exit handler says so
    }
  }

  private ensureWriter(): ChildProcess {
    if (this.writer?.connected) return this.writer;
    const path = this.options.writerPath ?? fileURLToPath(new URL('./log-writer.main.js', import.meta.url));
    const env = { ...process.env };
    for (const key of ['API_TOKEN', 'LOCK_DATABASE_URL', 'PROCGUARD_DEV_SESSION']) delete env[key];
    // Detached: a terminal's Ctrl+C reaches the backend only, which stops the children first; the writer drains them.
    const writer = fork(path, [JSON.stringify(this.settings)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      detached: true,
      env,
      execArgv: [],
      serialization: 'json',
    });
    writer.on('message', (message: FromWriter) => this.onMessage(message));
    writer.on('error', (error) => this.log(`log writer: ${error.message}`));
    writer.once('exit', (code, signal) => {
      if (this.writer === writer) this.writer = null;
      for (const resolve of this.tails.values()) resolve([]);
      this.tails.clear();
      if (!this.closed) this.log(`log writer exited (${signal ?? code}); children started before lost their stdout/stderr, the next start opens a new one`);
    });
    // The backend's exit must not wait for it; it leaves once its pipes close.
    writer.unref();
    (writer.channel as { unref?: () => void } | undefined)?.unref?.();
    this.writer = writer;
    // Follows survive a new writer (their seqs restart from 1 there).
    for (const [name, set] of this.followers) this.sendToWriter({ t: 'follow', name, after: Math.min(...[...set].map((e) => e.after)) });
    return writer;
  }

  private onMessage(message: FromWriter): void {
    switch (message.t) {
      case 'tail': {
        const resolve = this.tails.get(message.id);
        this.tails.delete(message.id);
        resolve?.([...message.lines]);
        return;
      }
      case 'lines': {
        const set = this.followers.get(message.name);
        if (!set) return;
        for (const line of message.lines) {
          if (line.seq > (this.seqs.get(message.name) ?? 0)) this.seqs.set(message.name, line.seq);
          for (const entry of set) {
            if (line.seq <= entry.after) continue;
            entry.after = line.seq;
            try {
              entry.onLine(line);
            } catch (error) {
              this.log(`log follower of "${message.name}" failed: ${(error as Error).message}`);
            }
          }
        }
        return;
      }
      case 'seq':
        for (const [name, seq] of Object.entries(message.seqs)) this.seqs.set(name, seq);
        return;
      case 'storage':
        if (message.ok) this.options.storage?.succeeded(PROCESS_LOGS);
        else this.options.storage?.failed(PROCESS_LOGS, Object.assign(new Error(message.error ?? 'write failed'), { code: message.code }));
        return;
      case 'warn':
        this.log(message.message);
        return;
    }
  }
}

function clampInt(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.floor(value));
}
