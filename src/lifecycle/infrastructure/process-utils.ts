import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ProcessIdentityProps } from '../domain/process-identity.value-object.js';

/** What the kernel says about a live process. */
export interface LiveProcess extends ProcessIdentityProps {
  readonly ppid: number;
}

/**
 * Process facts from the kernel: /proc on Linux, `ps` elsewhere. Written by
 * hand because no maintained package reads start time and boot id together.
 */
export class ProcessUtils {
  private readonly linux: boolean;
  private bootIdCache: string | null | undefined;
  readonly hostname = hostname();

  constructor(platform: NodeJS.Platform = process.platform) {
    this.linux = platform === 'linux';
  }

  bootId(): string | null {
    if (this.bootIdCache === undefined) {
      this.bootIdCache = this.linux ? readOrNull('/proc/sys/kernel/random/boot_id')?.trim() ?? null : null;
    }
    return this.bootIdCache;
  }

  /** The live process behind `pid`, or null when there is none (or only a zombie). */
  inspect(pid: number): LiveProcess | null {
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return this.linux ? this.inspectProc(pid) : this.inspectPs(pid);
  }

  /** PIDs of every process the kernel lists now (Linux only; empty elsewhere). */
  pids(): number[] {
    if (!this.linux) return [];
    try {
      return readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number);
    } catch {
      return [];
    }
  }

  /**
   * The environment `pid` was started with (/proc/<pid>/environ), or null when
   * it is gone, another user's, or the platform has no /proc. A process's own
   * later setenv() does not change it; an exec with a new environment does.
   */
  environOf(pid: number): string[] | null {
    if (!this.linux || !Number.isInteger(pid) || pid <= 0) return null;
    const text = readOrNull(`/proc/${pid}/environ`);
    return text === null ? null : text.split('\0').filter((entry) => entry !== '');
  }

  /** True when `ancestor` is `pid`'s parent, grandparent, and so on. */
  isAncestor(ancestor: number, pid: number): boolean {
    let current = pid;
    for (let depth = 0; depth < 64 && current > 1; depth++) {
      const info = this.inspect(current);
      if (!info) return false;
      if (info.ppid === ancestor) return true;
      current = info.ppid;
    }
    return false;
  }

  /** kill(2) that reports instead of throwing: false when the process is gone. */
  signal(pid: number, signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  private inspectProc(pid: number): LiveProcess | null {
    const stat = readOrNull(`/proc/${pid}/stat`);
    if (stat === null) return null;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return null;
    return {
      pid,
      ppid: Number(fields[1]),
      hostname: this.hostname,
      bootId: this.bootId(),
      startTime: fields[19] ?? null,
    };
  }

  private inspectPs(pid: number): LiveProcess | null {
    try {
      const out = execFileSync('ps', ['-o', 'ppid=,stat=,lstart=', '-p', String(pid)], {
        env: { ...process.env, LC_ALL: 'C' },
        encoding: 'utf8',
      }).trim();
      const match = /^(\d+)\s+(\S+)\s+(.+)$/.exec(out);
      if (!match || match[2].startsWith('Z')) return null;
      return { pid, ppid: Number(match[1]), hostname: this.hostname, bootId: null, startTime: match[3] };
    } catch {
      return null;
    }
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
