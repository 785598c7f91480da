import type { ServerResponse } from 'node:http';
import { clientWritable, type Writable } from './client-writable.js';
import { sseEventType, type StoredEvent } from '../domain/stored-event.js';

/** Where a stream reads stored events from (the EventRecorder). */
export interface StoredEventSource {
  since(afterId: number, limit: number): StoredEvent[];
}

export interface EventStreamOptions {
  readonly heartbeatMs: number;
  /** Bytes a stream may hold unsent in memory; past it, it writes nothing more until the client reads. */
  readonly maxBufferedBytes: number;
  /** A client that reads nothing of a full buffer for this long is dropped. */
  readonly slowClientTimeoutMs: number;
  /** Events read from the store per query while replaying or catching up. */
  readonly pageSize: number;
}


/** `dropped`: the client stayed full past `slowClientTimeoutMs`. */
export type StreamEnd = 'closed' | 'dropped';

/**
 * One `/api/events` client. Stored events are never queued in memory for it:
 * whatever it has not been sent yet is read from the store page by page, so a
 * client that does not read costs at most `maxBufferedBytes`, and is dropped
 * when it stays that far behind (it can resume with `Last-Event-ID`).
 */
export class EventStream {
  /** Id of the last stored event written; null: nothing yet, any new event is news ("from now"). */
  private cursor: number | null = null;
  private pumping = false;
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly closeListeners: ((how: StreamEnd) => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly source: StoredEventSource,
    private readonly options: EventStreamOptions,
  ) {
    res.on('close', () => this.finish());
  }

  /** Writes the headers and replays what the store holds after `resumeAfter` (null: live only). */
  start(resumeAfter: number | null): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => {
      // A client with bytes still unread needs no keep-alive, and must not be sent more.
      if (this.res.writableLength === 0) this.res.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    if (resumeAfter === null) return;
    // An id at or above the newest stored one (another database, a client's stale id) means
    // "from now": holding it as the cursor would hide every new event with a smaller id.
    if (this.source.since(resumeAfter, 1).length === 0) return;
    this.cursor = resumeAfter;
    void this.pump();
  }

  /** A live event, already stored (id > 0) or not storable (id 0). */
  push(event: StoredEvent): void {
    if (this.closed) return;
    if (event.id === 0) {
      // Not in the store, so it cannot be caught up later: sent when there is room, else lost.
      if (!this.pumping && !this.full()) this.write(event);
      return;
    }
    if (this.cursor !== null && event.id <= this.cursor) return;
    if (this.pumping || this.full()) {
      // The pump reads it from the store when the client has room.
      this.cursor ??= event.id - 1;
      void this.pump();
      return;
    }
    this.write(event);
    if (this.full()) void this.pump();
  }

  /** Called once, when the stream ends for any reason. */
  onClose(listener: (how: StreamEnd) => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the stream (shutdown): at once when nothing is buffered, else the socket is cut. */
  close(): void {
    if (this.closed) return;
    if (this.res.writableLength > 0) this.res.destroy();
    else this.res.end();
    this.finish();
  }

  private full(): boolean {
    return this.res.writableLength >= this.options.maxBufferedBytes;
  }

  /** Sends stored events after the cursor until caught up, waiting for the client whenever it is full. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed) {
        if (this.full()) {
          const outcome = await this.writable();
          if (outcome === 'timeout') this.drop();
          if (outcome !== 'drained') return;
          continue;
        }
        const page = this.source.since(this.cursor ?? 0, this.options.pageSize);
        let written = 0;
        while (written < page.length && !this.full()) this.write(page[written++]);
        // Caught up: nothing can be stored between this query and leaving the loop (same turn).
        if (written === page.length && page.length < this.options.pageSize) return;
        // Let other requests (health, other streams) run between pages.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
    }
  }

  private write(event: StoredEvent): void {
    if (event.id !== 0) this.cursor = event.id;
    this.res.write(`${event.id ? `id: ${event.id}\n` : ''}event: ${sseEventType(event)}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private writable(): Promise<Writable> {
    return clientWritable(this.res, this.closed, this.options.slowClientTimeoutMs);
  }

  /** A client that stays full is cut; it may reconnect with the last id it received. */
  private drop(): void {
    if (this.closed) return;
    this.finish('dropped');
    this.res.destroy();
  }

  private finish(how: StreamEnd = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener(how);
  }
}
