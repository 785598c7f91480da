import { Inject, Injectable, Logger } from '@nestjs/common';
import { isStorageError } from '../../lifecycle/application/ports/storage-health.port.js';
import type { StoredEvent, StoredEventInput } from '../domain/stored-event.js';
import { EVENT_SINKS, EVENT_STORE, type IEventSink, type IEventStore } from './ports/event-store.port.js';

export const EVENT_RETENTION = Symbol('EventRetention');

/** Events kept for the store while its disk is full; older ones are dropped and counted. */
export const EVENT_BACKLOG_LIMIT = 5000;
/** How often a kept backlog is retried when no new event comes to carry it. */
export const EVENT_RETRY_MS = 2000;

/**
 * Writes lifecycle events as they happen without ever slowing supervision:
 * events are buffered and written once per event-loop turn in one transaction
 * (a crash-looping child costs one INSERT each, never a commit each), then
 * handed to live subscribers, then to the other sinks. A failing store, sink or
 * subscriber is logged and skipped. While the store's disk is full the events
 * still reach sinks and subscribers (without ids) and wait in a bounded backlog
 * that is written, oldest first, by the next batch or a retry timer.
 */
@Injectable()
export class EventRecorder {
  private readonly logger = new Logger('EventLog');
  private buffer: StoredEventInput[] = [];
  private scheduled: ReturnType<typeof setImmediate> | null = null;
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private failures = 0;
  /** Events the store could not take because its disk was full, oldest first (at most EVENT_BACKLOG_LIMIT). */
  private backlog: StoredEventInput[] = [];
  /** The last error each failing sink gave, so it is logged once, not per batch. */
  private readonly sinkErrors = new Map<string, string>();
  private droppedFromBacklog = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private written = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: IEventStore,
    @Inject(EVENT_SINKS) private readonly sinks: IEventSink[],
    @Inject(EVENT_RETENTION) private readonly keepPerProcess: number,
  ) {}

  record(event: StoredEventInput): void {
    this.buffer.push(event);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Writes what is buffered now; called each turn and as a shutdown step. Live subscribers
   * (the SSE streams) hear a batch as soon as it has its ids; the sinks' writes and the
   * prune come after them (a prune's DELETE was ~0.5 ms of each respawn seen on /api/events).
   */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    const { stored, toPrune } = this.persist(batch);
    for (const event of stored) {
      for (const listener of this.listeners) {
        // A failing subscriber must neither starve the others nor throw out of the setImmediate.
        try {
          listener(event);
        } catch (error) {
          this.logger.warn(`An event listener failed: ${(error as Error).message}`);
        }
      }
    }
    for (const sink of this.sinks) {
      try {
        sink.write(stored);
        this.sinkErrors.delete(sink.name);
      } catch (error) {
        // Once per sink and error (a symlink planted at the file fails every write the same way).
        const message = (error as Error).message;
        if (this.sinkErrors.get(sink.name) !== message) this.logger.warn(`Event sink "${sink.name}" failed: ${message}`);
        this.sinkErrors.set(sink.name, message);
      }
    }
    this.prune(toPrune);
  }

  /** Live events from now on; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  page(name: string, limit: number, beforeId?: number): StoredEvent[] {
    return this.store.page(name, limit, beforeId);
  }

  since(afterId: number, limit: number): StoredEvent[] {
    return this.store.since(afterId, limit);
  }

  /** Events the store took since start (the metrics' procguard_events_written_total). */
  get writtenCount(): number {
    return this.written;
  }

  /** Events waiting for the store (a full disk); for tests and diagnostics. */
  get backlogSize(): number {
    return this.backlog.length;
  }

  /** The batch with its ids, and the events whose names are to be pruned once everyone has them. */
  private persist(batch: StoredEventInput[]): { stored: StoredEvent[]; toPrune: StoredEventInput[] } {
    const waiting = this.backlog.length;
    let stored: StoredEvent[];
    try {
      // The backlog goes first, so the ids keep the order the events happened in.
      stored = this.store.append(waiting > 0 ? [...this.backlog, ...batch] : batch).slice(waiting);
      this.written += waiting + batch.length;
    } catch (error) {
      // Supervision goes on; the events still reach the other sinks and live streams (without ids).
      if (isStorageError(error)) this.keep(batch);
      else this.storeFailed('write', error);
      return { stored: batch.map((e) => ({ ...e, id: 0 })), toPrune: [] };
    }
    const written = waiting > 0 ? this.backlogWritten() : [];
    return { stored, toPrune: [...written, ...batch] };
  }

  private keep(batch: StoredEventInput[]): void {
    this.backlog.push(...batch);
    const excess = this.backlog.length - EVENT_BACKLOG_LIMIT;
    if (excess > 0) {
      this.backlog.splice(0, excess);
      this.droppedFromBacklog += excess;
    }
    this.retry ??= setTimeout(() => this.retryBacklog(), EVENT_RETRY_MS);
    // A waiting backlog must not keep a stopping backend alive.
    this.retry.unref?.();
  }

  /** Writes the backlog when no new event comes to carry it. */
  private retryBacklog(): void {
    this.retry = null;
    if (this.backlog.length === 0) return;
    try {
      this.store.append(this.backlog);
      this.written += this.backlog.length;
    } catch (error) {
      if (isStorageError(error)) {
        this.keep([]);
        return;
      }
      this.storeFailed('write', error);
      this.droppedFromBacklog += this.backlog.length;
      this.backlog = [];
    }
    this.prune(this.backlogWritten());
  }

  /** Ends an outage of the store: forgets the backlog (just written) and says what was lost. */
  private backlogWritten(): StoredEventInput[] {
    const written = this.backlog;
    this.backlog = [];
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    if (this.droppedFromBacklog > 0) {
      this.logger.warn(`${this.droppedFromBacklog} event(s) were dropped from the event log while its disk was full or failing`);
      this.droppedFromBacklog = 0;
    }
    return written;
  }

  private prune(events: readonly StoredEventInput[]): void {
    if (events.length === 0) return;
    try {
      this.store.prune([...new Set(events.map((e) => e.name))], this.keepPerProcess);
    } catch (error) {
      // The batch is stored, so it keeps its ids; the next batch prunes again.
      if (!isStorageError(error)) this.storeFailed('prune', error);
    }
  }

  private storeFailed(what: 'write' | 'prune', error: unknown): void {
    if (this.failures++ % 100 === 0) this.logger.error(`Event store ${what} failed: ${(error as Error).message}`);
  }
}
