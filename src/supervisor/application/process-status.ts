import type { ManagedState } from '../domain/managed-process-state.js';
import type { ResourceUsage } from './resource-sampler.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: string;
}

/** What the API and health report about one managed instance. */
export interface ProcessStatus {
  readonly name: string;
  readonly specName: string;
  readonly index: number;
  readonly state: ManagedState;
  readonly pid: number | null;
  readonly startedAt: string | null;
  readonly uptimeSeconds: number | null;
  /** Restarts made by the supervisor since the process was last started by hand. */
  readonly restarts: number;
  readonly lastExit: ExitInfo | null;
  /** Why it is in its current state, in words. */
  readonly reason: string | null;
  readonly nextRestartAt: string | null;
  /** CPU and memory summed over the child's whole process group; null before the first sample or when not running. */
  readonly resources: ResourceUsage | null;
}

/** One state change, as it happens (issue 4 stores these). */
export interface ProcessEvent {
  readonly name: string;
  readonly index: number;
  readonly from: ManagedState;
  readonly to: ManagedState;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string;
  readonly at: string;
}
