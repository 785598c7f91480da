import type { LifecycleState } from './process-state.entity.js';

export interface MemoryUsageSnapshot {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly rss: number;
}

export interface InstanceMetadataProps {
  readonly pid: number;
  readonly instanceId: string;
  readonly state: LifecycleState;
  readonly startedAt: string;
  /** Seconds since the process started. */
  readonly uptime: number;
  readonly memoryUsage: MemoryUsageSnapshot;
  readonly nodeVersion: string;
  readonly timestamp: string;
}

/** What the instance says about itself in health answers: nothing secret (no env, no argv). */
export class InstanceMetadata implements InstanceMetadataProps {
  readonly pid!: number;
  readonly instanceId!: string;
  readonly state!: LifecycleState;
  readonly startedAt!: string;
  readonly uptime!: number;
  readonly memoryUsage!: MemoryUsageSnapshot;
  readonly nodeVersion!: string;
  readonly timestamp!: string;

  private constructor(props: InstanceMetadataProps) {
    Object.assign(this, props, { memoryUsage: Object.freeze({ ...props.memoryUsage }) });
    Object.freeze(this);
  }

  static create(props: InstanceMetadataProps): InstanceMetadata {
    if (!Number.isInteger(props.pid) || props.pid <= 0) throw new RangeError('pid must be a positive integer');
    if (!props.instanceId) throw new RangeError('instanceId must not be empty');
    if (!(props.uptime >= 0)) throw new RangeError('uptime must be zero or more');
    return new InstanceMetadata(props);
  }

  equals(other: InstanceMetadataProps): boolean {
    return (
      this.pid === other.pid &&
      this.instanceId === other.instanceId &&
      this.state === other.state &&
      this.startedAt === other.startedAt &&
      this.uptime === other.uptime &&
      this.nodeVersion === other.nodeVersion &&
      this.timestamp === other.timestamp &&
      this.memoryUsage.heapUsed === other.memoryUsage.heapUsed &&
      this.memoryUsage.heapTotal === other.memoryUsage.heapTotal &&
      this.memoryUsage.external === other.memoryUsage.external &&
      this.memoryUsage.rss === other.memoryUsage.rss
    );
  }
}
