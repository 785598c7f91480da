import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

let setprivChecked: boolean | null = null;

function hasSetpriv(): boolean {
  setprivChecked ??= process.platform === 'linux' && spawnSync('setpriv', ['--version']).status === 0;
  return setprivChecked;
}

/**
 * Spawns a child of the dev session in its own process group (so a terminal's
 * Ctrl+C reaches only the session, which decides what each child gets), tied to
 * the session's life with PR_SET_PDEATHSIG where util-linux setpriv exists:
 * if the session is SIGKILLed, the child gets SIGTERM. setpriv execs, so the PID is the command's.
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const [file, fileArgs] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'SIGTERM', '--', command, ...args]] : [command, [...args]];
  return spawn(file, fileArgs, { ...options, detached: true });
}

/** How a child ended, in words: "exited with code 1", "was killed by SIGKILL". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Whether the child has neither exited nor been killed yet. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Signals a child that has not been reaped yet (so its PID is still ours), ignoring a race with its exit. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals, wholeGroup = false): void {
  if (!isRunning(child) || child.pid === undefined) return;
  try {
    process.kill(wholeGroup ? -child.pid : child.pid, signal);
  } catch {
    // exited meanwhile
  }
}

/** Resolves true when the child exits within `timeoutMs`, false otherwise. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}
