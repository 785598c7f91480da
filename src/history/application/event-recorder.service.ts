import { Inject, Injectable, Logger } from '@nestjs/common';
import type { StoredEvent, StoredEventInput } from '../domain/stored-event.js';
import { EVENT_SINKS, EVENT_STORE, type IEventSink, type IEventStore } from './ports/event-store.port.js';

export const EVENT_RETENTION = Symbol('EventRetention');

/**
 * Writes lifecycle events as they happen without ever slowing supervision:
 * events are buffered and written once per event-loop turn in one transaction
 * (a crash-looping child costs one INSERT each, never a commit each), then
 * handed to the other sinks and to live subscribers. A failing store, sink or
 * subscriber is logged and skipped.
 */
@Injectable()
export class EventRecorder {
  private readonly logger = new Logger('EventLog');
  private buffer: StoredEventInput[] = [];
  private scheduled: ReturnType<typeof setImmediate> | null = null;
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private failures = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: IEventStore,
    @Inject(EVENT_SINKS) private readonly sinks: IEventSink[],
    @Inject(EVENT_RETENTION) private readonly keepPerProcess: number,
  ) {}

  record(event: StoredEventInput): void {
    this.buffer.push(event);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is buffered now; called each turn and as a shutdown step. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    const stored = this.persist(batch);
    for (const sink of this.sinks) {
      try {
        sink.write(stored);
      } catch (error) {
        this.logger.warn(`Event sink "${sink.name}" failed: ${(error as Error).message}`);
      }
    }
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

  private persist(batch: StoredEventInput[]): StoredEvent[] {
    let stored: StoredEvent[];
    try {
      stored = this.store.append(batch);
    } catch (error) {
      // Supervision goes on; the events still reach the other sinks and live streams (without ids).
      this.storeFailed('write', error);
      return batch.map((e) => ({ ...e, id: 0 }));
    }
    try {
      this.store.prune([...new Set(batch.map((e) => e.name))], this.keepPerProcess);
    } catch (error) {
      // The batch is stored, so it keeps its ids; the next batch prunes again.
      this.storeFailed('prune', error);
    }
    return stored;
  }

  private storeFailed(what: 'write' | 'prune', error: unknown): void {
    if (this.failures++ % 100 === 0) this.logger.error(`Event store ${what} failed: ${(error as Error).message}`);
  }
}
