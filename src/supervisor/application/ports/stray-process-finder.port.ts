/** A live process that carries this data directory's owner marker from a backend that is gone. */
export interface StrayProcess {
  readonly pid: number;
  /** Kernel start time when it was found: a signal goes out only while the PID still names it. */
  readonly startTime: string;
  /** The instance name in its marker (a grandchild carries its ancestor's). */
  readonly name: string;
  readonly ownerInstanceId: string;
}

/**
 * Finds what earlier backends of this data directory left running, by the
 * marker every child (and, by inheritance, every descendant) carries in its
 * environment, and signals a process only after proving again that it is one.
 */
export interface IStrayProcessFinder {
  /** False where environments cannot be read (no /proc): then nothing can be proven ours. */
  readonly supported: boolean;
  /** Processes of this user carrying this data directory's marker from a backend other than this one that is no longer running. */
  find(): StrayProcess[];
  /** True while `stray.pid` is still that process (same start time, same marker). */
  stillThere(stray: StrayProcess): boolean;
  /** Signals `stray.pid` only if `stillThere` holds right now; false otherwise. */
  signal(stray: StrayProcess, signal: 'SIGTERM' | 'SIGKILL'): boolean;
}
