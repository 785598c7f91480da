/**
 * Who holds a lock shared by several hosts, as published next to the lock so a
 * refused or waiting host can name it. `fencingToken` grows by one per acquisition.
 */
export interface ClusterLockHolder {
  readonly hostname: string;
  readonly pid: number;
  readonly instanceId: string;
  readonly healthUrl: string;
  /** When the holder's process started (ISO 8601). */
  readonly startedAt: string;
  /** When it took the lock (ISO 8601). */
  readonly acquiredAt: string;
  /** Decimal: a PostgreSQL bigint. */
  readonly fencingToken: string;
  /** False when the published record may be a previous holder's (the new one is still writing it). */
  readonly confirmed: boolean;
}
