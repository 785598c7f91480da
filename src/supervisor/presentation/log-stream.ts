import type { ServerResponse } from 'node:http';
import { clientWritable, type Writable } from '../../history/presentation/client-writable.js';
import type { LogLine } from '../application/ports/output-store.port.js';

export interface LogStreamOptions {
  readonly heartbeatMs: number;
  /** Bytes the stream may hold unsent; past it, it stops following until the client has read. */
  readonly maxBufferedBytes: number;
  /** A client that reads nothing of a full buffer for this long is dropped. */
  readonly slowClientTimeoutMs: number;
}

/** Follows one process's output from after a seq (or from now); the returned function unsubscribes. */
export type FollowOutput = (from: number | 'now', onLine: (line: LogLine) => void) => () => void;

/**
 * One `/api/processes/:name/logs/stream` client. Lines are never queued for it: when its
 * buffer is full it unsubscribes, and once the client has read it follows again from the
 * last seq it was sent, so what the store still holds is resent and what it dropped is
 * reported as a `gap`. A client that reads nothing for `slowClientTimeoutMs` is dropped.
 */
export class LogStream {
  /** Seq of the last line sent; null: none yet on a stream opened "from now" (no gap to report). */
  private cursor: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private paused = false;
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly closeListeners: ((how: 'closed' | 'dropped') => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly follow: FollowOutput,
    private readonly options: LogStreamOptions,
  ) {
    res.on('close', () => this.finish('closed'));
  }

  /** Writes the headers, then sends every line after `from` the store holds (none for 'now'), then live lines. */
  start(from: number | 'now'): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => {
      if (this.res.writableLength === 0) this.res.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    this.cursor = from === 'now' ? null : from;
    this.subscribe();
  }

  onClose(listener: (how: 'closed' | 'dropped') => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the stream (shutdown): at once when nothing is buffered, else the socket is cut. */
  close(): void {
    if (this.closed) return;
    if (this.res.writableLength > 0) this.res.destroy();
    else this.res.end();
    this.finish('closed');
  }

  private subscribe(): void {
    this.paused = false;
    // The store replays held lines inside follow(), before it returns the unsubscribe function.
    const unsubscribe = this.follow(this.cursor ?? 'now', (line) => this.send(line));
    if (this.paused || this.closed) unsubscribe();
    else this.unsubscribe = unsubscribe;
  }

  private send(line: LogLine): void {
    if (this.closed || this.paused || (this.cursor !== null && line.seq <= this.cursor)) return;
    const missed = this.cursor === null ? 0 : line.seq - this.cursor - 1;
    if (missed > 0) this.res.write(`event: gap\ndata: ${JSON.stringify({ missed })}\n\n`);
    this.cursor = line.seq;
    this.res.write(`id: ${line.seq}\nevent: log\ndata: ${JSON.stringify(line)}\n\n`);
    if (this.res.writableLength >= this.options.maxBufferedBytes) this.pause();
  }

  private pause(): void {
    this.paused = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.writable().then((outcome) => {
      if (outcome === 'drained') this.subscribe();
      else if (outcome === 'timeout') this.drop();
    });
  }

  private writable(): Promise<Writable> {
    return clientWritable(this.res, this.closed, this.options.slowClientTimeoutMs);
  }

  private drop(): void {
    if (this.closed) return;
    this.finish('dropped');
    this.res.destroy();
  }

  private finish(how: 'closed' | 'dropped'): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener(how);
  }
}
