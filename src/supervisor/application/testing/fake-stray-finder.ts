import type { IStrayProcessFinder, StrayProcess } from '../ports/stray-process-finder.port.js';

/**
 * Strays the test lists; each dies on the signals in its `diesOn` set (by
 * default SIGTERM and SIGKILL). `spawnOnTerm` adds a stray when the first is
 * signalled, as a process forking during its grace would. Records every signal.
 */
export class FakeStrayFinder implements IStrayProcessFinder {
  supported = true;
  readonly signals: { pid: number; signal: string }[] = [];
  readonly finds: number[] = [];
  private readonly live = new Map<number, { stray: StrayProcess; diesOn: Set<string> }>();
  private readonly forksOnTerm: StrayProcess[] = [];

  add(pid: number, name: string, diesOn: string[] = ['SIGTERM', 'SIGKILL']): StrayProcess {
    const stray = { pid, startTime: `t${pid}`, name, ownerInstanceId: 'crashed-instance' };
    this.live.set(pid, { stray, diesOn: new Set(diesOn) });
    return stray;
  }

  /** The next SIGTERM makes `pid` appear (a child forked while stopping). */
  forkOnTerm(pid: number, name: string): void {
    this.forksOnTerm.push({ pid, startTime: `t${pid}`, name, ownerInstanceId: 'crashed-instance' });
  }

  /** The PID now names an unrelated process: the stray is no longer there. */
  replace(pid: number): void {
    this.live.delete(pid);
  }

  find(): StrayProcess[] {
    this.finds.push(this.live.size);
    return [...this.live.values()].map((l) => l.stray);
  }

  stillThere(stray: StrayProcess): boolean {
    return this.live.get(stray.pid)?.stray.startTime === stray.startTime;
  }

  signal(stray: StrayProcess, signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (!this.stillThere(stray)) return false;
    this.signals.push({ pid: stray.pid, signal });
    if (signal === 'SIGTERM') for (const forked of this.forksOnTerm.splice(0)) this.add(forked.pid, forked.name, ['SIGKILL']);
    if (this.live.get(stray.pid)!.diesOn.has(signal)) this.live.delete(stray.pid);
    return true;
  }
}
