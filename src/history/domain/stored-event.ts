/** A lifecycle event of one managed process as the history keeps it. */
export interface StoredEventInput {
  readonly name: string;
  readonly index: number;
  readonly from: string;
  readonly to: string;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string;
  readonly at: string;
  /** The backend instance that saw it happen. */
  readonly backendInstanceId: string;
}

/** With the id the store gave it: ids only grow, so they order events and resume streams. */
export interface StoredEvent extends StoredEventInput {
  readonly id: number;
}

/**
 * The `name` of the events a reload leaves (`to`: "succeeded" or "failed"): not a valid
 * process name, so it never mixes with a process's history. SSE sends them as `reload.<to>`.
 */
export const RELOAD_EVENT_NAME = '@reload';

/** The SSE event type of a stored event: `process`, or `reload.succeeded` / `reload.failed`. */
export function sseEventType(event: Pick<StoredEventInput, 'name' | 'to'>): string {
  return event.name === RELOAD_EVENT_NAME ? `reload.${event.to}` : 'process';
}
