import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { LaunchError } from '../domain/supervisor.errors.js';
import type {
  ChildExit,
  ChildHandle,
  IProcessLauncher,
  LaunchRequest,
  OutputStream,
} from '../application/ports/process-launcher.port.js';
import type { ProcessUtils } from '../../lifecycle/infrastructure/process-utils.js';

/** Variables of the backend that children must never inherit. */
const PRIVATE_ENV = ['API_TOKEN', 'PROCGUARD_DEV_SESSION'];

/**
 * Spawns each child detached: a session and process-group leader (pgid = pid),
 * so a stop can signal the whole tree and a terminal's Ctrl+C reaches only the backend.
 */
export class NodeProcessLauncher implements IProcessLauncher {
  constructor(
    private readonly processes: ProcessUtils,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  get bootId(): string | null {
    return this.processes.bootId();
  }

  async launch(request: LaunchRequest): Promise<ChildHandle> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.baseEnv)) {
      if (value !== undefined && !PRIVATE_ENV.includes(key)) env[key] = value;
    }
    Object.assign(env, request.env);
    const child = spawn(request.command, [...request.args], {
      cwd: request.cwd,
      env,
      shell: request.shell,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new LaunchError(`${request.command}: ${error.code ?? error.message}${error.code === 'ENOENT' ? ' (command or cwd not found)' : ''}`, { cause: error })),
      );
    });
    const pid = child.pid!;
    const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const listeners: ((stream: OutputStream, chunk: Buffer) => void)[] = [];
    child.stdout!.on('data', (chunk: Buffer) => listeners.forEach((l) => l('stdout', chunk)));
    child.stderr!.on('data', (chunk: Buffer) => listeners.forEach((l) => l('stderr', chunk)));
    return {
      pid,
      pgid: pid,
      startTime: this.processes.inspect(pid)?.startTime ?? null,
      exited,
      onOutput: (listener) => listeners.push(listener),
    };
  }

  signalGroup(pgid: number, signal: string): boolean {
    try {
      process.kill(-pgid, signal as NodeJS.Signals);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Any live (non-zombie) member. kill(-pgid, 0) answers "no members" cheaply;
   * only when some remain is /proc read, because zombies (which init may be slow
   * to reap) count there but are already dead.
   */
  groupAlive(pgid: number): boolean {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    if (process.platform !== 'linux') return true;
    for (const entry of readdirSync('/proc')) {
      if (entry.charCodeAt(0) > 57) continue;
      const fields = statFields(entry);
      if (fields && fields[2] === String(pgid) && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  }

  startTimeOf(pid: number): string | null {
    return this.processes.inspect(pid)?.startTime ?? null;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, …]. */
function statFields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
