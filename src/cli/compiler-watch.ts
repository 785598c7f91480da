import type { ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { processLog } from '../bootstrap/logging/process-log.js';
import { parseCompileStatus, type CompileStatus } from './compile-status.js';
import { signalChild, spawnTied, waitForExit } from './tied-child.js';

/**
 * tsc's niceness: the type check is background work, and its first full check (seconds of
 * CPU) would otherwise share the cores with the app starting and with the next build.
 */
const TYPE_CHECK_NICENESS = 10;
/** How long tsc gets to exit after SIGTERM before its group is killed. */
const STOP_TIMEOUT_MS = 2000;

export interface CompilerWatchEvents {
  readonly status: (status: CompileStatus) => void;
  /** tsc ended without being asked to. */
  readonly exited: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Which compiler to run, on which config, where: the host project's own. */
export interface CompilerTarget {
  readonly dir: string;
  readonly tscPath: string;
  readonly tsconfigPath: string;
}

/**
 * The host's `tsc -p <its tsconfig> --noEmit --watch` (the type check; SWC emits) in its own
 * group, tied to the session's life: its output (type errors included) goes to the screen as
 * it comes, and each status line is reported, so the session can say what a check found.
 */
export class CompilerWatch {
  private child: ChildProcess | null = null;
  private stopping = false;

  constructor(
    private readonly target: CompilerTarget,
    private readonly events: CompilerWatchEvents,
  ) {}

  start(): void {
    const { dir, tscPath, tsconfigPath } = this.target;
    const child = spawnTied(process.execPath, [tscPath, '-p', tsconfigPath, '--noEmit', '--watch', '--preserveWatchOutput'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    try {
      if (child.pid !== undefined) setPriority(child.pid, TYPE_CHECK_NICENESS);
    } catch {
      // Exited already, or not permitted: it then checks at the session's priority.
    }
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // As tsc prints it for a person; in JSON one line each, so every line of the session parses.
      if (processLog.format === 'json') processLog.write('log', line, 'tsc');
      else process.stdout.write(`${line}\n`);
      const status = parseCompileStatus(line);
      if (status) this.events.status(status);
    });
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.events.exited(code, signal);
    });
  }

  /** Stops tsc: SIGTERM, then SIGKILL of its group if it lingers. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    signalChild(child, 'SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) signalChild(child, 'SIGKILL', true);
  }

  /** Forced end: no grace. */
  kill(): void {
    this.stopping = true;
    if (this.child) signalChild(this.child, 'SIGKILL', true);
  }
}
