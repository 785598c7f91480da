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
