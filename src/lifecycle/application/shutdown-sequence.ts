/** One ordered step of graceful shutdown. Lower `order` runs first. */
export interface ShutdownStep {
  readonly name: string;
  readonly order: number;
  /** Upper bound for this step alone; the overall deadline still applies. */
  readonly timeoutMs?: number;
  run(): Promise<void> | void;
}

export interface StepOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Well-known step orders, so features slot in without knowing each other. */
export const SHUTDOWN_ORDER = {
  closeStreams: 50,
  drainHttp: 100,
  stopAgents: 200,
  /** Where a host's own step goes unless it says otherwise. */
  hostDefault: 250,
  closeApplication: 300,
  flushEvents: 350,
  closeDatabase: 400,
  releaseLock: 900,
} as const;

/**
 * Runs steps one after another in order; a step that throws or overruns is
 * recorded and the next one still runs (the release of the lock must never be skipped).
 */
export async function runShutdownSteps(
  steps: readonly ShutdownStep[],
  deadlineMs: number,
  now: () => number = Date.now,
): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const step of [...steps].sort((a, b) => a.order - b.order)) {
    const started = now();
    const budget = Math.max(0, Math.min(step.timeoutMs ?? Infinity, deadlineMs - started));
    try {
      await withTimeout(Promise.resolve().then(() => step.run()), budget, step.name);
      outcomes.push({ name: step.name, ok: true, ms: now() - started });
    } catch (error) {
      outcomes.push({ name: step.name, ok: false, ms: now() - started, error: errorText(error) });
    }
  }
  return outcomes;
}

function withTimeout<T>(work: Promise<T>, ms: number, name: string): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`"${name}" did not finish within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
