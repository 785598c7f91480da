import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { withTimeout } from './util.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when the parent saw the exit. */
  readonly at: number;
}

/** Every child still running; killed on the way out whatever happened. */
const running = new Set<ChildProcess>();

/** A child process with its exit captured and the tail of its output kept for error messages. */
export class Proc {
  exit: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  /** First and last output, so start-up lines survive a chatty child. */
  private head = '';
  private tail = '';

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
    /** performance.now() just before spawn(). */
    readonly spawnedAt: number,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exit) return;
        this.exit = info;
        running.delete(child);
        resolve(info);
      };
      child.once('exit', (code, signal) => done({ code, signal, at: performance.now() }));
      child.once('error', (error) => {
        this.tail += `\n[spawn error] ${error.message}`;
        done({ code: null, signal: null, at: performance.now() });
      });
    });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (this.head.length < 8000) this.head += text.slice(0, 8000 - this.head.length);
      this.tail = (this.tail + text).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Last lines the child wrote, ANSI colours stripped. */
  output(maxChars = 600): string {
    // eslint-disable-next-line no-control-regex
    return this.tail.replace(/\x1b\[[0-9;]*m/g, '').trim().slice(-maxChars);
  }

  /** Whether the kept output (first 8 kB and last 4 kB) matches. */
  printed(pattern: RegExp): boolean {
    return pattern.test(this.head) || pattern.test(this.tail);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exit) return;
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  waitExit(timeoutMs: number): Promise<ExitInfo> {
    return withTimeout(this.exited, timeoutMs, `${this.label} (pid ${this.pid}) exit`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 8000): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    try {
      return await this.waitExit(timeoutMs);
    } catch {
      this.signal('SIGKILL');
      return this.waitExit(3000);
    }
  }
}

const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  // Nothing from the caller's shell may change what is measured.
  for (const name of ['PROCGUARD_DEV_SESSION', 'PROCESSES_CONFIG', 'API_TOKEN', 'READY_REQUIRES']) delete env[name];
  return env;
};

/** Servers (procguard and every baseline alike) run on this CPU; the bench and its load generator on the other. */
export const SERVER_CPU = '0';
export const BENCH_CPU = '1';
const canPin = os.cpus().length >= 2 && spawnSync('taskset', ['-c', SERVER_CPU, 'true']).status === 0;

/** Pins this (the bench) process to BENCH_CPU, so the load generator never starves the server it measures. */
export function pinBench(): string {
  if (!canPin) return 'not pinned (taskset missing or one CPU)';
  spawnSync('taskset', ['-cp', BENCH_CPU, String(process.pid)], { stdio: 'ignore' });
  return `servers on CPU ${SERVER_CPU}, bench and load generator on CPU ${BENCH_CPU} (taskset)`;
}

/** Spawns `node <args>` pinned to SERVER_CPU; stdout and stderr are piped (and drained) for every child alike. */
/**
 * `pin: false` for a server whose children must not share its one core (their CPU affinity is
 * inherited): a respawn's wrapper and watcher would be measured as the backend's own time.
 */
export function spawnNode(label: string, args: readonly string[], env: Record<string, string> = {}, { pin = true } = {}): Proc {
  const base = childEnv();
  const spawnedAt = performance.now();
  // taskset execs node in place, so the PID is the server's own.
  const [command, argv] = canPin && pin ? ['taskset', ['-c', SERVER_CPU, process.execPath, ...args]] : [process.execPath, [...args]];
  const child = spawn(command, argv, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(label, child, spawnedAt);
}

/** Spawn-to-exit of `node -e 0`, in ms. */
export async function nodeNoopMs(): Promise<number> {
  const proc = spawnNode('node -e 0', ['-e', '0']);
  try {
    const exit = await proc.waitExit(10_000);
    if (exit.code !== 0) throw new Error(`node -e 0 exited with ${exit.code ?? exit.signal}`);
    return exit.at - proc.spawnedAt;
  } finally {
    proc.signal('SIGKILL');
  }
}

/** Kills every child still running; safe to call from an 'exit' handler. */
export function killAllChildren(): number {
  let killed = 0;
  for (const child of running) {
    try {
      child.kill('SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  running.clear();
  return killed;
}
