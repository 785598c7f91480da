import type { IChildRegistry } from './ports/child-registry.port.js';
import type { IProcessLauncher } from './ports/process-launcher.port.js';

export interface ReapedChild {
  readonly name: string;
  readonly pid: number;
  readonly result: 'stopped' | 'killed' | 'already gone' | 'pid reused, left alone';
}

const REAP_GRACE_MS = 2000;

/**
 * Before anything starts: stops the process groups that a previous backend of
 * this data directory left running (it was killed and could not take them with
 * it). A group is touched only if its leader is still the recorded process
 * (same boot, same kernel start time) or is gone while members remain.
 */
export class OrphanReaper {
  constructor(
    private readonly registry: IChildRegistry,
    private readonly launcher: IProcessLauncher,
  ) {}

  async reap(): Promise<ReapedChild[]> {
    const reaped = await Promise.all(this.registry.list().map((record) => this.reapOne(record)));
    return reaped;
  }

  private async reapOne(record: ReturnType<IChildRegistry['list']>[number]): Promise<ReapedChild> {
    const base = { name: record.name, pid: record.pid };
    try {
      const sameBoot = !record.bootId || !this.launcher.bootId || record.bootId === this.launcher.bootId;
      if (!sameBoot) return { ...base, result: 'already gone' };
      const leader = this.launcher.startTimeOf(record.pgid);
      if (leader !== null && leader !== record.startTime) return { ...base, result: 'pid reused, left alone' };
      if (!this.launcher.groupAlive(record.pgid)) return { ...base, result: 'already gone' };
      this.launcher.signalGroup(record.pgid, 'SIGTERM');
      const deadline = Date.now() + REAP_GRACE_MS;
      while (this.launcher.groupAlive(record.pgid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (!this.launcher.groupAlive(record.pgid)) return { ...base, result: 'stopped' };
      this.launcher.signalGroup(record.pgid, 'SIGKILL');
      return { ...base, result: 'killed' };
    } finally {
      this.registry.remove(record.name, record.pid);
    }
  }
}
