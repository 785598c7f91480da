import type { IGroupUsageReader } from './ports/group-usage-reader.port.js';

/** What `GET /api/processes` shows as `resources`: summed over the instance's whole process group. */
export interface ResourceUsage {
  /** CPU time (user + system) the group's processes used since the child started, in seconds. */
  readonly cpuSeconds: number;
  /** CPU use between the last two samples, in percent of one core (200 = two cores busy). */
  readonly cpuPercent: number;
  readonly rssBytes: number;
  /** Live processes in the group (the lifeline watcher not counted). */
  readonly processes: number;
  readonly sampledAt: string;
}

/** Every few seconds, as issue 10 asks; one /proc pass per tick serves every instance. */
export const RESOURCE_SAMPLE_INTERVAL_MS = 2000;

export interface ResourceSamplerOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
  /** Told once per failing pass (a reader bug), never thrown into the timer. */
  readonly onError?: (error: unknown) => void;
}

interface Watch {
  readonly name: string;
  readonly pgid: number;
  readonly onSample: ((usage: ResourceUsage) => void) | null;
  /** Since when CPU time counts for cpuPercent's first sample: the watch began with the child. */
  lastAt: number;
  cpuSeconds: number;
  /** Each member's CPU seconds at the last sample; replaced every pass, so it holds only current members. */
  members: Map<number, number>;
  usage: ResourceUsage | null;
}

/**
 * CPU and resident memory per instance, summed over its child's process group: every
 * interval one pass of the reader (one read of /proc per process) for all watched groups.
 * CPU is counted per member as the growth since the last pass, so a member that exits takes
 * nothing back and the figure only grows while the child lives; a process born and gone
 * between two passes is not seen. Holds nothing for an instance that is not watched.
 */
export class ResourceSampler {
  private readonly watches = new Map<string, Watch>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private failing = false;

  constructor(
    private readonly reader: IGroupUsageReader,
    private readonly options: ResourceSamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? RESOURCE_SAMPLE_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  get interval(): number {
    return this.intervalMs;
  }

  /** Watched instances now (for tests and the bench). */
  get size(): number {
    return this.watches.size;
  }

  /**
   * Samples `pgid` for `name` from the next pass on, replacing an earlier watch of that name
   * (a new child). `onSample` is called after each pass that found the group.
   * @returns the unwatch function; it drops only this watch, never a newer one of the name.
   */
  watch(name: string, pgid: number, onSample?: (usage: ResourceUsage) => void): () => void {
    const watch: Watch = { name, pgid, onSample: onSample ?? null, lastAt: this.now(), cpuSeconds: 0, members: new Map(), usage: null };
    this.watches.set(name, watch);
    this.timer ??= this.startTimer();
    return () => {
      if (this.watches.get(name) !== watch) return;
      this.watches.delete(name);
      if (this.watches.size === 0) this.stop();
    };
  }

  /** The last sample of `name`'s current child, or null before the first one or when not watched. */
  usageOf(name: string): ResourceUsage | null {
    return this.watches.get(name)?.usage ?? null;
  }

  /** One pass now, for every watched group (the timer calls this). Never throws. */
  sampleNow(): void {
    if (this.watches.size === 0) return;
    const watches = [...this.watches.values()];
    let groups: ReturnType<IGroupUsageReader['read']>;
    try {
      groups = this.reader.read(new Set(watches.map((w) => w.pgid)));
      this.failing = false;
    } catch (error) {
      // Once per outage, not every tick.
      if (!this.failing) this.options.onError?.(error);
      this.failing = true;
      return;
    }
    if (groups === null) return;
    const at = this.now();
    for (const watch of watches) this.update(watch, groups.get(watch.pgid) ?? [], at);
    for (const watch of watches) {
      if (watch.onSample && watch.usage && this.watches.get(watch.name) === watch) {
        try {
          watch.onSample(watch.usage);
        } catch (error) {
          this.options.onError?.(error);
        }
      }
    }
  }

  /** Stops the timer; watches stay (a later watch starts it again). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private update(watch: Watch, members: readonly { pid: number; cpuSeconds: number; rssBytes: number }[], at: number): void {
    let grown = 0;
    let rssBytes = 0;
    const seen = new Map<number, number>();
    for (const member of members) {
      const before = watch.members.get(member.pid);
      // New since the last pass, or a reused PID whose count restarted: all of it is new.
      grown += before === undefined || member.cpuSeconds < before ? member.cpuSeconds : member.cpuSeconds - before;
      rssBytes += member.rssBytes;
      seen.set(member.pid, member.cpuSeconds);
    }
    watch.members = seen;
    watch.cpuSeconds += grown;
    const elapsedSeconds = (at - watch.lastAt) / 1000;
    watch.lastAt = at;
    watch.usage = {
      cpuSeconds: round(watch.cpuSeconds, 2),
      cpuPercent: elapsedSeconds > 0 ? round((grown / elapsedSeconds) * 100, 1) : 0,
      rssBytes,
      processes: members.length,
      sampledAt: new Date(at).toISOString(),
    };
  }

  private startTimer(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => this.sampleNow(), this.intervalMs);
    // Sampling never keeps a stopping backend alive.
    timer.unref?.();
    return timer;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
