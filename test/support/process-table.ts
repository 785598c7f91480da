import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** PIDs of live (non-zombie) processes whose environment holds `entry` (`KEY=value`). */
export function pidsWithEnv(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) continue;
      if (statOf(Number(name))?.state !== 'Z') found.push(Number(name));
    } catch {
      // gone, or another user's
    }
  }
  return found;
}

/** State, parent, process group and kernel start time of `pid`, or null when it is gone. */
export function statOf(pid: number): { state: string; ppid: number; pgid: number; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19] };
  } catch {
    return null;
  }
}

/** A process as the kernel names it: PID plus start time, so a reused PID is not mistaken for it. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** The identities of `pids` that still exist. */
export function identify(pids: readonly number[]): ProcessIdentity[] {
  return pids.flatMap((pid) => {
    const stat = statOf(pid);
    return stat ? [{ pid, startTime: stat.startTime }] : [];
  });
}

/**
 * Those of `processes` still running: neither gone, zombie nor replaced by a new process on the
 * same PID. A process tearing down its memory is still running here, though its environ reads empty.
 */
export function stillRunning(processes: readonly ProcessIdentity[]): number[] {
  return processes
    .filter(({ pid, startTime }) => {
      const stat = statOf(pid);
      return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
    })
    .map(({ pid }) => pid);
}

/** Live members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const s = statOf(pid);
      return s !== null && s.pgid === pgid && s.state !== 'Z' && s.state !== 'X';
    });
}

/** Live processes whose command line mentions `marker` (a path, a script), with their cwd. */
export function processesRunning(marker: string): { pid: number; cwd: string }[] {
  const found: { pid: number; cwd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) continue;
      const state = statOf(Number(name))?.state;
      if (state !== 'Z' && state !== 'X') found.push({ pid: Number(name), cwd: readlinkSync(`/proc/${name}/cwd`) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Live processes whose working directory is `dir` or below it. */
export function processesInDir(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const cwd = readlinkSync(`/proc/${name}/cwd`);
        const state = statOf(Number(name))?.state;
        return (cwd === dir || cwd.startsWith(`${dir}/`)) && state !== 'Z' && state !== 'X';
      } catch {
        return false;
      }
    })
    .map(Number);
}
