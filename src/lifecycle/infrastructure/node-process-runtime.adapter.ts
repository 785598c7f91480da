import type { MemoryUsageSnapshot } from '../domain/instance-metadata.value-object.js';
import type { IProcessRuntime } from '../application/ports/process-runtime.port.js';

/**
 * process.memoryUsage() reads /proc/self on every call and was 13 % of the CPU
 * of a loaded /api/health; a sample at most this old is as true for an operator.
 */
const MEMORY_SAMPLE_MS = 250;

/** IProcessRuntime over the real `process`. */
export class NodeProcessRuntime implements IProcessRuntime {
  readonly pid = process.pid;
  readonly nodeVersion = process.version;
  private memory: { at: number; value: MemoryUsageSnapshot } | null = null;

  uptimeSeconds(): number {
    return process.uptime();
  }

  memoryUsage(): MemoryUsageSnapshot {
    const now = Date.now();
    if (!this.memory || now - this.memory.at >= MEMORY_SAMPLE_MS) {
      const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
      this.memory = { at: now, value: { heapUsed, heapTotal, external, rss } };
    }
    return this.memory.value;
  }

  now(): Date {
    return new Date();
  }
}
