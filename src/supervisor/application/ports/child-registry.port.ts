/** A durable record of a running child, so a restarted backend can find what a crashed one left. */
export interface ChildRecord {
  readonly name: string;
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: string | null;
  readonly bootId: string | null;
  /** instanceId of the backend that started it. */
  readonly ownerInstanceId: string;
  readonly startedAt: string;
}

export interface IChildRegistry {
  /**
   * In list() at once; on disk by the next turn of the event loop, unless the disk is full or
   * failing: then kept in memory, reported, and written once it can be.
   */
  put(record: ChildRecord): void;
  /** Gone from list() at once; on disk by the next turn of the event loop. */
  remove(name: string, pid: number): void;
  list(): ChildRecord[];
}
