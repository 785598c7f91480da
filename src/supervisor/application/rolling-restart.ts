import type { InstanceSpec, ProcessSpec } from '../domain/process-spec.js';
import type { ManagedProcess } from './managed-process.js';
import type { ProcessEvent } from './process-status.js';

/** What one rolling restart did, as the API answers it and the event log says it. */
export interface RollOutcome {
  readonly spec: string;
  /** `api` (POST .../rolling-restart), `reload` (a changed declaration), `trigger` (cron_restart, watch). */
  readonly source: 'api' | 'reload' | 'trigger';
  readonly ok: boolean;
  /** Instances replaced and ready, in order. */
  readonly replaced: string[];
  /** Instances stopped when the roll reached them: left stopped (an operator's stop holds). */
  readonly skipped: string[];
  /** The replacement that did not become ready, and why; null when none failed. */
  readonly failed: { readonly name: string; readonly reason: string } | null;
  /** Instances the roll never reached: still running as before (on the old declaration for a reload). */
  readonly untouched: string[];
  readonly reason: string;
}

/** How the roll reaches the manager: it owns the instance map, the dependency gate and the events. */
export interface RollHooks {
  /** The live object for an instance name now. */
  current(name: string): ManagedProcess | undefined;
  /** Stops `old` for good, puts a new object for `next` in its place and returns it (not started). */
  replace(old: ManagedProcess, next: InstanceSpec, reason: string): Promise<ManagedProcess>;
  /** Starts an instance as the config would (through the dependency gate). */
  admit(managed: ManagedProcess, reason: string): Promise<unknown>;
  /** True once shutdown has begun: the roll starts nothing more. */
  closing(): boolean;
  /** Resolves on the next state event of `name` (or on abort); see StateWaiters. */
  waiters: StateWaiters;
  /** An event on the instance's history without a state change (from = to), so the log says what the roll did. */
  note(managed: ManagedProcess, reason: string): void;
}

/**
 * How long a replacement may take to become ready: what its own readiness rule allows
 * (wait_ready's listen_timeout, or the probe's grace plus its failure threshold), plus
 * a kill timeout and a margin. Its own rule normally ends it sooner (backoff).
 */
export function readyBudgetMs(spec: ProcessSpec): number {
  const margin = 5000;
  if (spec.waitReady) return spec.waitReady.timeoutMs + spec.killTimeoutMs + margin;
  const r = spec.readiness;
  if (r.target.kind === 'none') return margin;
  return r.startupGraceMs + r.failureThreshold * (r.intervalMs + r.timeoutMs) + spec.killTimeoutMs + margin;
}

/**
 * Replaces a spec's instances one at a time: old k stops, new k starts and must be
 * `running` (ready by its probe or wait_ready) before old k+1 stops. Instances share
 * nothing but their own port (PORT = base + index), so old k and new k never need it
 * at once, and at most one instance is down at any moment. The first replacement
 * that does not become ready ends the roll: the ones after it keep running as they
 * are, and the outcome (and an event on that instance) says so.
 */
export async function rollInstances(
  spec: ProcessSpec,
  steps: readonly InstanceSpec[],
  source: RollOutcome['source'],
  hooks: RollHooks,
  sameDeclaration: boolean,
  /** Who asked, in the events' reasons; the source when not given. */
  cause: string = source,
): Promise<RollOutcome> {
  const replaced: string[] = [];
  const skipped: string[] = [];
  const budget = readyBudgetMs(spec);
  const label = `rolling restart of "${spec.name}" (${cause})`;
  for (let i = 0; i < steps.length; i++) {
    const next = steps[i];
    const untouched = () => steps.slice(i).map((s) => s.name);
    if (hooks.closing()) return done(false, null, untouched(), 'stopped: the backend is shutting down');
    const old = hooks.current(next.name);
    if (!old) continue;
    const reason = `${label}: instance ${i + 1} of ${steps.length}`;
    const settled = hooks.waiters.next(next.name, budget);
    let managed = old;
    try {
      if (sameDeclaration) {
        // In the instance's queue: one an operator stopped (or that is waiting for a dependency) is left as it is.
        if ((await old.restartIfLive(reason)) === null) {
          settled.cancel();
          skipped.push(next.name);
          continue;
        }
      } else {
        // A reload's new declaration replaces and starts every instance, as a reload always has.
        managed = await hooks.replace(old, next, reason);
        await hooks.admit(managed, reason);
      }
    } catch (error) {
      settled.cancel();
      const left = steps.slice(i + 1).map((s) => s.name);
      return done(false, { name: next.name, reason: (error as Error).message }, left, `${label} stopped at ${next.name}: ${(error as Error).message}`);
    }
    const verdict = await settle(managed, settled, budget);
    if (verdict !== null) {
      const left = steps.slice(i + 1).map((s) => s.name);
      const why = `${label} stopped: ${next.name} ${verdict}; ${left.length ? `${left.join(', ')} left running as before` : 'no instance left to replace'}`;
      hooks.note(managed, why);
      return done(false, { name: next.name, reason: verdict }, left, why);
    }
    replaced.push(next.name);
  }
  return done(true, null, [], `${label} done: ${replaced.length} replaced${skipped.length ? `, ${skipped.length} left stopped` : ''}`);

  function done(ok: boolean, failed: RollOutcome['failed'], untouched: string[], reason: string): RollOutcome {
    return { spec: spec.name, source, ok, replaced, skipped, failed, untouched, reason };
  }
}

/** Null once `managed` is running; else why not (left starting, went to backoff, was stopped, ...). */
async function settle(managed: ManagedProcess, first: Pending, budget: number): Promise<string | null> {
  let pending = first;
  for (;;) {
    const state = managed.currentState;
    if (state === 'running') {
      pending.cancel();
      return null;
    }
    if (state !== 'starting') {
      pending.cancel();
      return `did not become ready (${state}: ${managed.status().reason ?? 'no reason given'})`;
    }
    const wake = await pending.promise;
    if (wake === 'timeout') return `did not become ready within ${budget} ms`;
    if (wake === 'aborted') return 'was not waited for: the backend is shutting down';
    pending = pending.again();
  }
}

type Wake = ProcessEvent | 'timeout' | 'aborted';

interface Pending {
  readonly promise: Promise<Wake>;
  cancel(): void;
  again(): Pending;
}

/**
 * One-shot waits for an instance's next state event, each with a deadline; the manager
 * calls `notify` for every event and `abortAll` at shutdown so no roll outlives it.
 */
export class StateWaiters {
  private readonly waiting = new Map<string, Set<(wake: Wake) => void>>();

  next(name: string, timeoutMs: number, deadline = Date.now() + timeoutMs): Pending {
    let wake!: (w: Wake) => void;
    const promise = new Promise<Wake>((resolve) => (wake = resolve));
    const set = this.waiting.get(name) ?? new Set();
    this.waiting.set(name, set);
    const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - Date.now()));
    timer.unref?.();
    const finish = (w: Wake) => {
      clearTimeout(timer);
      set.delete(finish);
      if (set.size === 0 && this.waiting.get(name) === set) this.waiting.delete(name);
      wake(w);
    };
    set.add(finish);
    return { promise, cancel: () => finish('aborted'), again: () => this.next(name, 0, deadline) };
  }

  notify(event: ProcessEvent): void {
    for (const finish of [...(this.waiting.get(event.name) ?? [])]) finish(event);
  }

  abortAll(): void {
    for (const set of [...this.waiting.values()]) for (const finish of [...set]) finish('aborted');
  }

  /** Waits outstanding (a leak check for tests). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
