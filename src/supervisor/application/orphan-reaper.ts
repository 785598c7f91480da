import type { ChildRecord, IChildRegistry } from './ports/child-registry.port.js';
import type { IStrayProcessFinder, StrayProcess } from './ports/stray-process-finder.port.js';

export type ReapResult =
  | 'stopped'
  | 'killed'
  | 'survived SIGKILL'
  | 'no process of ours left'
  | 'left alone: ownership cannot be proven on this platform';

export interface ReapedChild {
  readonly name: string;
  readonly pid: number;
  readonly result: ReapResult;
}

export interface ReaperTiming {
  /** How long SIGTERM gets before SIGKILL. @default 2000 */
  readonly graceMs?: number;
  /** How long to wait for SIGKILLed processes to be gone. @default 1000 */
  readonly killWaitMs?: number;
}

const POLL_MS = 20;

/**
 * Before anything starts: stops what earlier backends of this data directory
 * left running. The source is the owner marker each child carries from the
 * instant it exists (and its descendants inherit), so a child started just
 * before its backend died is found too, and a PID is signalled only after it
 * is proven ours again (marker and kernel start time). Each process is
 * signalled by its own PID, never by a group, so a forged pgid reaches nobody.
 *
 * The child records add only the names of children that are already gone (and,
 * where environments cannot be read, a log of what may be left): a record
 * alone proves nothing, so it never leads to a signal.
 */
export class OrphanReaper {
  private readonly graceMs: number;
  private readonly killWaitMs: number;

  constructor(
    private readonly registry: IChildRegistry,
    private readonly finder: IStrayProcessFinder,
    timing: ReaperTiming = {},
  ) {
    this.graceMs = timing.graceMs ?? 2000;
    this.killWaitMs = timing.killWaitMs ?? 1000;
  }

  async reap(): Promise<ReapedChild[]> {
    const records = this.registry.list();
    const reaped = this.finder.supported ? await this.stopStrays() : [];
    const found = new Set(reaped.map((r) => r.pid));
    const unmatched: ReapedChild[] = records
      .filter((record) => !found.has(record.pid))
      .map((record) => ({
        name: record.name,
        pid: record.pid,
        result: this.finder.supported ? 'no process of ours left' : 'left alone: ownership cannot be proven on this platform',
      }));
    for (const record of records) this.forget(record);
    return [...reaped, ...unmatched];
  }

  /** SIGTERM to every stray, the grace, then SIGKILL to whatever carries the marker still (including what they forked meanwhile). */
  private async stopStrays(): Promise<ReapedChild[]> {
    const results = new Map<number, ReapedChild>();
    const first = this.finder.find();
    if (first.length === 0) return [];
    for (const stray of first) this.finder.signal(stray, 'SIGTERM');
    await this.waitGone(first, this.graceMs);
    for (const stray of first) if (!this.finder.stillThere(stray)) results.set(stray.pid, entry(stray, 'stopped'));
    const rest = this.finder.find();
    for (const stray of rest) this.finder.signal(stray, 'SIGKILL');
    await this.waitGone(rest, this.killWaitMs);
    for (const stray of rest) results.set(stray.pid, entry(stray, this.finder.stillThere(stray) ? 'survived SIGKILL' : 'killed'));
    return [...results.values()];
  }

  private async waitGone(strays: StrayProcess[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (strays.some((s) => this.finder.stillThere(s)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private forget(record: ChildRecord): void {
    this.registry.remove(record.name, record.pid);
  }
}

function entry(stray: StrayProcess, result: ReapResult): ReapedChild {
  return { name: stray.name, pid: stray.pid, result };
}
