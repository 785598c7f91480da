/** One readiness probe check of an instance, as the metrics count it. */
export interface ProbeCheck {
  readonly name: string;
  readonly seconds: number;
  readonly ok: boolean;
}

/**
 * Where each readiness probe check is told (its duration and outcome), for whoever
 * counts them (the metrics). A failing listener never reaches the probe loop.
 */
export class ProbeObservations {
  private readonly listeners = new Set<(check: ProbeCheck) => void>();

  /** @returns the unsubscribe function. */
  subscribe(listener: (check: ProbeCheck) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(check: ProbeCheck): void {
    for (const listener of this.listeners) {
      try {
        listener(check);
      } catch {
        // A metric that cannot be updated must not stop a probe.
      }
    }
  }
}
