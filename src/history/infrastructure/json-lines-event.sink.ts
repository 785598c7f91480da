import { closeSync, constants, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import type { IEventSink } from '../application/ports/event-store.port.js';
import type { StoredEvent } from '../domain/stored-event.js';

/**
 * Events as JSON lines, one file, rotated once to `<path>.1` at `maxBytes`, for
 * tools that tail files. Opened without following symlinks.
 */
export class JsonLinesEventSink implements IEventSink {
  readonly name = 'json-lines';
  private fd: number | null = null;
  private size = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {}

  write(events: readonly StoredEvent[]): void {
    const data = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8');
    if (this.fd === null) this.open();
    // Bytes, not string length: multi-byte text must not overrun maxBytes.
    if (this.size + data.length > this.maxBytes && this.size > 0) this.rotate();
    this.size += writeSync(this.fd!, data);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): void {
    this.fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }
}
