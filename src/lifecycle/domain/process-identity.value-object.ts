/**
 * What makes a process unique on one machine across time: a PID alone is
 * reused by the kernel, but (boot id, PID, start time in clock ticks) is not.
 */
export interface ProcessIdentityProps {
  readonly pid: number;
  readonly hostname: string;
  /** /proc/sys/kernel/random/boot_id; changes at every boot. */
  readonly bootId: string | null;
  /** Kernel start time of the process (clock ticks since boot on Linux), as a string to stay exact. */
  readonly startTime: string | null;
}

export type IdentityVerdict = 'same' | 'different' | 'unknown';

export class ProcessIdentity implements ProcessIdentityProps {
  private constructor(
    readonly pid: number,
    readonly hostname: string,
    readonly bootId: string | null,
    readonly startTime: string | null,
  ) {}

  static create(props: ProcessIdentityProps): ProcessIdentity {
    if (!Number.isInteger(props.pid) || props.pid <= 0) {
      throw new RangeError(`pid must be a positive integer, got ${String(props.pid)}`);
    }
    return new ProcessIdentity(props.pid, props.hostname, props.bootId, props.startTime);
  }

  /**
   * Compares a recorded identity with what the kernel says now about the same PID.
   * `unknown` when either side lacks the facts (older PID file, other host, no /proc).
   */
  compare(live: ProcessIdentityProps): IdentityVerdict {
    if (live.pid !== this.pid) return 'different';
    if (this.hostname && live.hostname && this.hostname !== live.hostname) return 'unknown';
    if (this.bootId && live.bootId && this.bootId !== live.bootId) return 'different';
    if (!this.startTime || !live.startTime) return 'unknown';
    return this.startTime === live.startTime ? 'same' : 'different';
  }

  equals(other: ProcessIdentityProps): boolean {
    return (
      this.pid === other.pid &&
      this.hostname === other.hostname &&
      this.bootId === other.bootId &&
      this.startTime === other.startTime
    );
  }
}
