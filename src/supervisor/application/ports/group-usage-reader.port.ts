/** One live member of a process group, as one /proc pass read it. */
export interface GroupMemberUsage {
  readonly pid: number;
  /** utime + stime of this process so far, in seconds (its reaped children not included). */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

/**
 * Reads the live members of many process groups at once: one pass over the process
 * table per call, however many groups are asked for.
 */
export interface IGroupUsageReader {
  /**
   * The live (non-zombie) members of each asked group that has any, the adapter's own helpers
   * (the lifeline watcher) left out; a group with none is absent. Null where this cannot be
   * read (no /proc). Never throws for a process that exits while it is read.
   */
  read(pgids: ReadonlySet<number>): ReadonlyMap<number, readonly GroupMemberUsage[]> | null;
}
