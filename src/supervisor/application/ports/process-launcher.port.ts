import type { LogStreamName, LogTarget } from '../../domain/log-files.js';

export interface LaunchRequest {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly shell: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Open a Node IPC channel to the child (PM2 `wait_ready`), whose `process.send('ready')` `onReady` reports. */
  readonly readyChannel?: boolean;
  /** The files its output goes to (see logTargets); default: `<name>.log` with both streams. */
  readonly logs?: readonly LogTarget[];
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export type OutputStream = LogStreamName;

/** A spawned child, leader of its own process group (pgid === pid). */
export interface ChildHandle {
  readonly pid: number;
  readonly pgid: number;
  /** Kernel start time, so a reused PID is never mistaken for this child. */
  readonly startTime: string | null;
  /**
   * Resolves once, from the child's exit event (never by polling), after the
   * adapter's own helpers in the group (the lifeline watcher) are gone too.
   */
  readonly exited: Promise<ChildExit>;
  /** Called once when a child launched with `readyChannel` sends 'ready'. */
  onReady(listener: () => void): void;
}

/**
 * Starts children in their own process groups, tied to this backend so they
 * die with it (even by SIGKILL), and signals whole groups.
 */
export interface IProcessLauncher {
  /** @throws LaunchError when the OS refuses (ENOENT, EACCES, bad cwd). */
  launch(request: LaunchRequest): Promise<ChildHandle>;
  /** kill(-pgid, signal); false when the group is gone or pgid is not a real group (≤ 1). */
  signalGroup(pgid: number, signal: string): boolean;
  groupAlive(pgid: number): boolean;
  /**
   * After the leader exited on its own: SIGKILL to the whole group (the adapter's helpers and
   * anything the leader left), then true once the group is gone within `withinMs`. False when
   * it cannot tell that quickly; the caller then looks (groupAlive) and waits as before.
   */
  clearGroup?(pgid: number, withinMs: number): Promise<boolean>;
  /** The kernel start time of `pid`, or null if no such (non-zombie) process. */
  startTimeOf(pid: number): string | null;
  readonly bootId: string | null;
}
