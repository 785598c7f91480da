import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { parseCompileStatus, type CompileStatus } from './compile-status.js';
import { signalChild, spawnTied, waitForExit } from './tied-child.js';

/** How long tsc gets to exit after SIGTERM before its group is killed. */
const STOP_TIMEOUT_MS = 2000;

export interface CompilerWatchEvents {
  readonly status: (status: CompileStatus) => void;
  /** tsc ended without being asked to. */
  readonly exited: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * `tsc -p tsconfig.build.json --watch` in its own group, tied to the session's
 * life: its output (type errors included) goes to the screen as it comes, and
 * each status line is reported, so the session knows when a build is finished.
 */
export class CompilerWatch {
  private child: ChildProcess | null = null;
  private stopping = false;

  constructor(
    private readonly cwd: string,
    private readonly events: CompilerWatchEvents,
  ) {}

  start(): void {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const child = spawnTied(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], {
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
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
