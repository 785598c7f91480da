import type { ProcessEvent } from '../../supervisor/application/process-status.js';

/**
 * Restarts per instance since the backend started, counted from the state events: every
 * move to `starting` after the instance's first one (a supervisor restart after a crash, an
 * operator's restart, a reconciler correction). Unlike the status's `restarts`, which an
 * operator's start resets, this only grows, as a Prometheus counter must.
 */
export class RestartCounter {
  private readonly started = new Set<string>();
  private readonly counts = new Map<string, number>();

  onEvent(event: Pick<ProcessEvent, 'name' | 'to'>): void {
    if (event.to !== 'starting') return;
    if (this.started.has(event.name)) this.counts.set(event.name, (this.counts.get(event.name) ?? 0) + 1);
    else this.started.add(event.name);
  }

  restartsOf(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** Forgets names no longer declared (a reload removed them), so PID-like churn of names cannot grow it. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.started) {
      if (names.has(name)) continue;
      this.started.delete(name);
      this.counts.delete(name);
    }
  }
}
