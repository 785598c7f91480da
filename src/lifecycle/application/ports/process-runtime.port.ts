import type { MemoryUsageSnapshot } from '../../domain/instance-metadata.value-object.js';

/** The running process as the application sees it; a seam so services never touch `process`. */
export interface IProcessRuntime {
  readonly pid: number;
  readonly nodeVersion: string;
  /** Seconds since this process started. */
  uptimeSeconds(): number;
  memoryUsage(): MemoryUsageSnapshot;
  now(): Date;
}
