import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type { GroupMemberUsage, IGroupUsageReader } from '../application/ports/group-usage-reader.port.js';

export interface ProcGroupUsageOptions {
  /** The proc file system (a fake directory in tests). */
  readonly procRoot?: string;
  /** Clock ticks per second of /proc's times; `getconf CLK_TCK` (else 100) unless given. */
  readonly clockTicks?: number;
  /** Bytes per page of /proc's rss; `getconf PAGESIZE` (else 4096) unless given. */
  readonly pageSize?: number;
  /** PIDs never counted (the launcher's lifeline watchers). */
  readonly exclude?: () => ReadonlySet<number>;
  readonly platform?: NodeJS.Platform;
}

/** A stat line is well under this (52 numbers after a 16-byte name); one buffer serves every read. */
const STAT_BUFFER_BYTES = 4096;

// Fields of /proc/<pid>/stat counted from the state (field 3), as proc(5) numbers them.
const STATE = 0;
const PGRP = 5 - 3;
const UTIME = 14 - 3;
const STIME = 15 - 3;
const RSS_PAGES = 24 - 3;

/**
 * IGroupUsageReader from /proc: one readdir and one read of `/proc/<pid>/stat` per process
 * (state, process group, utime, stime and rss are all on that one line), whatever the number
 * of groups asked for. A process that exits mid-pass, or a line that does not parse, is skipped.
 */
export class ProcGroupUsageReader implements IGroupUsageReader {
  private readonly procRoot: string;
  private readonly linux: boolean;
  private readonly buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  private units: { ticks: number; pageSize: number } | null = null;

  constructor(private readonly options: ProcGroupUsageOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.linux = (options.platform ?? process.platform) === 'linux' || options.procRoot !== undefined;
  }

  read(pgids: ReadonlySet<number>): ReadonlyMap<number, readonly GroupMemberUsage[]> | null {
    if (!this.linux) return null;
    const groups = new Map<number, GroupMemberUsage[]>();
    if (pgids.size === 0) return groups;
    let entries: string[];
    try {
      entries = readdirSync(this.procRoot);
    } catch {
      return null;
    }
    const { ticks, pageSize } = (this.units ??= this.readUnits());
    const exclude = this.options.exclude?.() ?? null;
    for (const entry of entries) {
      // Only PIDs: digits (the others start with a letter, and "." sorts below "0").
      const first = entry.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const fields = this.statFields(entry);
      if (fields === null || fields[STATE] === 'Z' || fields[STATE] === 'X') continue;
      const pgid = Number(fields[PGRP]);
      if (!pgids.has(pgid)) continue;
      const pid = Number(entry);
      if (exclude?.has(pid)) continue;
      const cpuTicks = Number(fields[UTIME]) + Number(fields[STIME]);
      const rssPages = Number(fields[RSS_PAGES]);
      if (!Number.isFinite(cpuTicks) || !Number.isFinite(rssPages)) continue;
      const member = { pid, cpuSeconds: cpuTicks / ticks, rssBytes: Math.max(0, rssPages) * pageSize };
      const members = groups.get(pgid);
      if (members) members.push(member);
      else groups.set(pgid, [member]);
    }
    return groups;
  }

  /** The fields after the command name (which may hold spaces and parentheses), or null. */
  private statFields(pid: string): string[] | null {
    let fd: number;
    try {
      fd = openSync(`${this.procRoot}/${pid}/stat`, 'r');
    } catch {
      return null; // gone already
    }
    try {
      const length = readSync(fd, this.buffer, 0, STAT_BUFFER_BYTES, 0);
      const line = this.buffer.toString('latin1', 0, length);
      const close = line.lastIndexOf(')');
      return close < 0 ? null : line.slice(close + 2).split(' ');
    } catch {
      return null; // exited between open and read (ESRCH)
    } finally {
      closeSync(fd);
    }
  }

  private readUnits(): { ticks: number; pageSize: number } {
    return {
      ticks: this.options.clockTicks ?? getconf('CLK_TCK', 100),
      pageSize: this.options.pageSize ?? getconf('PAGESIZE', 4096),
    };
  }
}

/** One `getconf` answer, or the fallback where getconf is missing or says something odd. */
function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}
