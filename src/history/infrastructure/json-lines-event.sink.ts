import { closeSync, constants, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';
import { hasFreeSpace } from '../../lifecycle/infrastructure/free-space.js';
import type { IEventSink } from '../application/ports/event-store.port.js';
import type { StoredEvent } from '../domain/stored-event.js';

/** How this sink is named in storage health. */
export const EVENTS_FILE = 'events file';

export interface JsonLinesEventSinkOptions {
  /** Where a full or failing disk is reported. */
  readonly storage?: IStorageHealth;
  /** Says how many events a full disk cost, once it is over. */
  readonly log?: (message: string) => void;
  /** How often the file is retried during an outage. @default 1000 */
  readonly retryMs?: number;
  /** Events kept for the file during an outage; older ones are dropped and counted. @default 1000 */
  readonly backlogLimit?: number;
}

/**
 * Events as JSON lines, one file, rotated once to `<path>.1` at `maxBytes`, for
 * tools that tail files. Opened without following symlinks. On a full or failing
 * disk it never throws: the newest `backlogLimit` events wait in memory, a timer
 * retries once there is room again, and what did not fit is counted and logged.
 */
export class JsonLinesEventSink implements IEventSink {
  readonly name = 'json-lines';
  private fd: number | null = null;
  private size = 0;
  private readonly storage?: IStorageHealth;
  private readonly log: (message: string) => void;
  private readonly retryMs: number;
  private readonly backlogLimit: number;
  /** Non-null during an outage: the events still to be written. */
  private backlog: StoredEvent[] | null = null;
  private dropped = 0;
  /** The failed write left part of a line in the file: the next line starts on a fresh one. */
  private torn = false;
  private retry: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
    options: JsonLinesEventSinkOptions = {},
  ) {
    this.storage = options.storage;
    this.log = options.log ?? (() => undefined);
    this.retryMs = options.retryMs ?? 1000;
    this.backlogLimit = Math.max(0, options.backlogLimit ?? 1000);
  }

  /** @throws only for errors that are not a full or failing disk (a bug, a symlink at the path). */
  write(events: readonly StoredEvent[]): void {
    if (this.backlog) return this.keep(events);
    try {
      this.append(events);
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.backlog = [];
      this.keep(events);
      this.storage?.failed(EVENTS_FILE, error);
      this.retry = setInterval(() => this.retryBacklog(), this.retryMs);
      // Retrying must not keep a stopping backend alive.
      this.retry.unref();
    }
  }

  close(): void {
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
    this.closeFile();
  }

  private append(events: readonly StoredEvent[]): void {
    if (events.length === 0 && !this.torn) return;
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    const data = Buffer.from(this.torn ? `\n${text}` : text, 'utf8');
    if (this.fd === null) this.open();
    // Bytes, not string length: multi-byte text must not overrun maxBytes.
    if (this.size + data.length > this.maxBytes && this.size > 0) this.rotate();
    let offset = 0;
    try {
      while (offset < data.length) offset += writeSync(this.fd!, data, offset);
    } catch (error) {
      this.torn ||= offset > 0;
      this.closeFile();
      throw error;
    } finally {
      this.size += offset;
    }
    this.torn = false;
  }

  private keep(events: readonly StoredEvent[]): void {
    const backlog = this.backlog!;
    backlog.push(...events);
    const excess = backlog.length - this.backlogLimit;
    if (excess > 0) {
      backlog.splice(0, excess);
      this.dropped += excess;
    }
  }

  private retryBacklog(): void {
    // A few bytes of slack in a page must not end an outage only to start it again.
    if (!this.backlog || !hasFreeSpace(dirname(this.path))) return;
    try {
      this.append(this.backlog);
    } catch (error) {
      if (isStorageError(error)) return this.storage?.failed(EVENTS_FILE, error);
      this.log(`Cannot write ${this.path}: ${(error as Error).message}; ${this.backlog.length} event(s) are not in it`);
    }
    if (this.dropped > 0) this.log(`${this.dropped} event(s) did not reach ${this.path} while the disk was full or failing`);
    this.backlog = null;
    this.dropped = 0;
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
    this.storage?.succeeded(EVENTS_FILE);
  }

  private open(): void {
    // O_NONBLOCK: a FIFO at the path fails (ENXIO) instead of blocking the event loop for ever.
    const fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o640);
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      throw Object.assign(new Error(`${this.path} is not a regular file`), { code: 'ENOTREGULAR' });
    }
    this.fd = fd;
    this.size = stat.size;
  }

  private rotate(): void {
    this.closeFile();
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }

  private closeFile(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // The descriptor is released by the kernel even when close reports an error.
    }
  }
}
