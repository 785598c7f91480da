import type { ProcessUtils } from '../../lifecycle/infrastructure/process-utils.js';
import type { IStrayProcessFinder, StrayProcess } from '../application/ports/stray-process-finder.port.js';
import { markerIn, type OwnerMarker } from './owner-marker.js';

/**
 * Reads /proc/<pid>/environ of every process this user may read. A process is
 * a stray when its marker names this data directory, a backend instance other
 * than this one, and a backend process that is no longer running.
 */
export class ProcStrayFinder implements IStrayProcessFinder {
  constructor(
    private readonly processes: ProcessUtils,
    private readonly self: Omit<OwnerMarker, 'name'>,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  get supported(): boolean {
    return this.platform === 'linux';
  }

  find(): StrayProcess[] {
    if (!this.supported) return [];
    const strays: StrayProcess[] = [];
    for (const pid of this.processes.pids()) {
      if (pid === this.self.backendPid) continue;
      const marker = this.foreignMarker(pid);
      if (!marker || this.ownerRuns(marker)) continue;
      const startTime = this.processes.inspect(pid)?.startTime;
      // A marked ancestor of ours would be a backend that started us: never ours to stop.
      if (!startTime || this.processes.isAncestor(pid, this.self.backendPid)) continue;
      strays.push({ pid, startTime, name: marker.name, ownerInstanceId: marker.instanceId });
    }
    return strays;
  }

  stillThere(stray: StrayProcess): boolean {
    if (this.processes.inspect(stray.pid)?.startTime !== stray.startTime) return false;
    return this.foreignMarker(stray.pid)?.instanceId === stray.ownerInstanceId;
  }

  signal(stray: StrayProcess, signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (!this.stillThere(stray)) return false;
    try {
      return this.processes.signal(stray.pid, signal);
    } catch {
      return false;
    }
  }

  /** This data directory's marker, when a backend other than this one set it. */
  private foreignMarker(pid: number): OwnerMarker | null {
    const marker = markerIn(this.processes.environOf(pid));
    if (!marker || marker.dataDirKey !== this.self.dataDirKey || marker.instanceId === this.self.instanceId) return null;
    return marker;
  }

  /** The backend that set the marker still runs (same PID, same start time): its children are not strays. */
  private ownerRuns(marker: OwnerMarker): boolean {
    return this.processes.inspect(marker.backendPid)?.startTime === marker.backendStartTime;
  }
}
