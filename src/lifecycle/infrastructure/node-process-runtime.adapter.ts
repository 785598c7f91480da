import type { MemoryUsageSnapshot } from '../domain/instance-metadata.value-object.js';
import type { IProcessRuntime } from '../application/ports/process-runtime.port.js';

/** IProcessRuntime over the real `process`. */
export class NodeProcessRuntime implements IProcessRuntime {
  readonly pid = process.pid;
  readonly nodeVersion = process.version;

  uptimeSeconds(): number {
    return process.uptime();
  }

  memoryUsage(): MemoryUsageSnapshot {
    const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
    return { heapUsed, heapTotal, external, rss };
  }

  now(): Date {
    return new Date();
  }
}
