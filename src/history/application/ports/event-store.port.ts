import type { StoredEvent, StoredEventInput } from '../../domain/stored-event.js';

/** The durable event log: ids assigned on append, newest N kept per process. */
export interface IEventStore {
  /** One transaction for the whole batch. @returns the events with their ids. */
  append(events: readonly StoredEventInput[]): StoredEvent[];
  /** Newest first; `beforeId` pages further back. */
  page(name: string, limit: number, beforeId?: number): StoredEvent[];
  /** Oldest first, ids greater than `afterId` (stream resumption). */
  since(afterId: number, limit: number): StoredEvent[];
  /** Deletes all but the newest `keep` events of each named process. */
  prune(names: readonly string[], keep: number): void;
}

/** Another place lifecycle events go (a file, a log shipper); a failure is logged, never fatal. */
export interface IEventSink {
  readonly name: string;
  write(events: readonly StoredEvent[]): void;
}

export const EVENT_STORE = Symbol('IEventStore');
export const EVENT_SINKS = Symbol('IEventSink[]');
