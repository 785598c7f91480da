import { Logger } from '@nestjs/common';
import type { ChildExit, ChildHandle, IProcessLauncher } from './ports/process-launcher.port.js';

/** How often a stopping group is looked at; stops are rare, so this costs nothing. */
const GROUP_POLL_MS = 10;
const SIGKILL_WAIT_MS = 5000;
/** How long the fast path of killRemains waits for a SIGKILLed group to be gone before looking the slow way. */
const CLEAR_WAIT_MS = 50;

/**
 * Stops a child's whole process group: the stop signal to the group, the
 * kill timeout, then SIGKILL to the group. A group whose leader PID now names
 * another process is never signalled. Every SIGKILL is logged: which instance,
 * which PID and group, and after how long.
 */
export class GroupKiller {
  /** Leaders whose exit we have seen; until then their PID cannot have been reused. */
  private readonly reaped = new WeakMap<ChildHandle, boolean>();

  /**
   * @param name the instance, for the log
   * @param log where SIGKILL escalations are reported (a warning by default)
   */
  constructor(
    private readonly launcher: IProcessLauncher,
    private readonly name = 'child',
    private readonly log: (message: string) => void = (message) => new Logger('Supervisor').warn(message),
  ) {}

  async stop(child: ChildHandle, stopSignal: string, timeoutMs: number): Promise<ChildExit> {
    this.reaped.set(child, false);
    void child.exited.then(() => this.reaped.set(child, true));
    const startedAt = Date.now();
    this.signal(child, stopSignal);
    const deadline = startedAt + timeoutMs;
    let exit = await within(child.exited, timeoutMs);
    if (exit) await this.waitGroupGone(child, deadline - Date.now());
    if (!exit || this.groupAlive(child)) {
      const after = `${Date.now() - startedAt} ms after ${stopSignal} (kill timeout ${timeoutMs} ms)`;
      this.log(
        exit
          ? `${this.name}: pid ${child.pid} exited but its group ${child.pgid} still had processes ${after}; sending SIGKILL to the group`
          : `${this.name}: pid ${child.pid} still running ${after}; sending SIGKILL to group ${child.pgid}`,
      );
      this.signal(child, 'SIGKILL');
      exit = exit ?? (await within(child.exited, SIGKILL_WAIT_MS)) ?? { code: null, signal: 'SIGKILL' };
      await this.waitGroupGone(child, SIGKILL_WAIT_MS);
    }
    return exit;
  }

  /** After the leader died on its own: nothing it started may outlive it. */
  async killRemains(child: ChildHandle): Promise<void> {
    this.reaped.set(child, true);
    // Fast path: SIGKILL the group at once (as a group with remains gets anyway) and see it gone,
    // instead of a /proc scan per crash to tell the lifeline watcher from what the leader left.
    // Remains that die with that SIGKILL are not logged; any still there after it are, below.
    if (this.launcher.clearGroup && this.ownsGroup(child) && (await this.launcher.clearGroup(child.pgid, CLEAR_WAIT_MS))) return;
    if (!this.groupAlive(child)) return;
    this.log(`${this.name}: pid ${child.pid} exited and left processes in its group ${child.pgid}; sending SIGKILL to the group`);
    this.signal(child, 'SIGKILL');
    await this.waitGroupGone(child, SIGKILL_WAIT_MS);
  }

  private signal(child: ChildHandle, signal: string): void {
    if (this.ownsGroup(child)) this.launcher.signalGroup(child.pgid, signal);
  }

  private groupAlive(child: ChildHandle): boolean {
    return this.ownsGroup(child) && this.launcher.groupAlive(child.pgid);
  }

  /** SIGKILL to the group, now, without waiting: for a forced exit. */
  killNow(child: ChildHandle): void {
    this.log(`${this.name}: forced exit; sending SIGKILL to group ${child.pgid} (pid ${child.pid})`);
    this.signal(child, 'SIGKILL');
  }

  /**
   * An unreaped leader is still our child. Once reaped, the group is ours if its
   * PID is free or still names the recorded process (same kernel start time).
   */
  private ownsGroup(child: ChildHandle): boolean {
    if (this.reaped.get(child) === false) return true;
    const leader = this.launcher.startTimeOf(child.pgid);
    return leader === null || leader === child.startTime;
  }

  private async waitGroupGone(child: ChildHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (this.groupAlive(child) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
    }
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
