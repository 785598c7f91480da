import type { ChildExit, ChildHandle, IProcessLauncher } from './ports/process-launcher.port.js';

/** How often a stopping group is looked at; stops are rare, so this costs nothing. */
const GROUP_POLL_MS = 10;
const SIGKILL_WAIT_MS = 5000;

/**
 * Stops a child's whole process group: the stop signal to the group, the
 * kill timeout, then SIGKILL to the group. A group whose leader PID now names
 * another process is never signalled.
 */
export class GroupKiller {
  constructor(private readonly launcher: IProcessLauncher) {}

  async stop(child: ChildHandle, stopSignal: string, timeoutMs: number): Promise<ChildExit> {
    this.signal(child, stopSignal);
    const deadline = Date.now() + timeoutMs;
    let exit = await within(child.exited, timeoutMs);
    if (exit) await this.waitGroupGone(child, deadline - Date.now());
    if (!exit || this.groupAlive(child)) {
      this.signal(child, 'SIGKILL');
      exit = exit ?? (await within(child.exited, SIGKILL_WAIT_MS)) ?? { code: null, signal: 'SIGKILL' };
      await this.waitGroupGone(child, SIGKILL_WAIT_MS);
    }
    return exit;
  }

  /** After the leader died on its own: nothing it started may outlive it. */
  async killRemains(child: ChildHandle): Promise<void> {
    if (!this.groupAlive(child)) return;
    this.signal(child, 'SIGKILL');
    await this.waitGroupGone(child, SIGKILL_WAIT_MS);
  }

  private signal(child: ChildHandle, signal: string): void {
    if (this.ownsGroup(child)) this.launcher.signalGroup(child.pgid, signal);
  }

  private groupAlive(child: ChildHandle): boolean {
    return this.ownsGroup(child) && this.launcher.groupAlive(child.pgid);
  }

  /** The leader is still our child, or gone: then any member of its group is one of ours. */
  private ownsGroup(child: ChildHandle): boolean {
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
