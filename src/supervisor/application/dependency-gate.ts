import type { ManagedProcess } from './managed-process.js';
import type { ProcessStatus } from './process-status.js';

/**
 * dependsOn at start: an instance starts only once every instance of each spec it depends on
 * is `running` (ready: probe passed, 'ready' sent, or simply spawned when it has neither).
 * Until then it is `waiting`, its reason naming what it waits for; every state change of any
 * process re-checks the waiting ones, so nothing polls.
 */
export class DependencyGate {
  private readonly waiting = new Set<ManagedProcess>();

  constructor(
    /** The live instances of a spec, or null when no such spec is declared (any more). */
    private readonly instancesOf: (specName: string) => readonly ManagedProcess[] | null,
  ) {}

  /** Starts `managed` now if nothing holds it, else holds it in `waiting`. */
  admit(managed: ManagedProcess, reason?: string): Promise<ProcessStatus> {
    const state = managed.currentState;
    const blocker = state === 'starting' || state === 'running' ? null : this.blockerOf(managed);
    if (blocker === null) {
      this.waiting.delete(managed);
      return managed.start(reason);
    }
    this.waiting.add(managed);
    return managed.hold(blocker);
  }

  /** After any state change: start the waiting instances whose dependencies now run, update the others' reasons. */
  recheck(): void {
    for (const managed of [...this.waiting]) {
      const state = managed.currentState;
      // stopped/failed: its hold is still queued. Anything else: started by someone else meanwhile.
      if (managed.isRetired || (state !== 'waiting' && state !== 'stopped' && state !== 'failed')) {
        this.waiting.delete(managed);
        continue;
      }
      const blocker = this.blockerOf(managed);
      if (blocker === null) {
        this.waiting.delete(managed);
        void managed.release(`dependencies running: ${managed.instance.spec.dependsOn.join(', ')}`).catch(() => undefined);
      } else if (managed.status().reason !== blocker) {
        void managed.hold(blocker).catch(() => undefined);
      }
    }
  }

  /** An explicit stop (operator, reload): it no longer waits to be started. */
  forget(managed: ManagedProcess): void {
    this.waiting.delete(managed);
  }

  /** An instance that moved to `waiting` by itself (its restart after backoff was held). */
  track(managed: ManagedProcess): void {
    if (managed.currentState === 'waiting') this.waiting.add(managed);
  }

  /** Forgets every waiting instance (shutdown). */
  clear(): void {
    this.waiting.clear();
  }

  /** `waiting for api (starting), db (db-2 failed)`, or null when every dependency runs. */
  blockerOf(managed: ManagedProcess): string | null {
    return this.blockerFor(managed.instance.spec.dependsOn);
  }

  /** The same, for a list of spec names. */
  blockerFor(dependsOn: readonly string[]): string | null {
    const parts: string[] = [];
    for (const dep of dependsOn) {
      const instances = this.instancesOf(dep);
      if (instances === null) continue;
      const notRunning = instances.filter((p) => p.currentState !== 'running');
      if (instances.length === 0) parts.push(`${dep} (not declared)`);
      else if (notRunning.length > 0) {
        parts.push(`${dep} (${notRunning.map((p) => (p.name === dep ? p.currentState : `${p.name} ${p.currentState}`)).join(', ')})`);
      }
    }
    return parts.length === 0 ? null : `waiting for ${parts.join(', ')}`;
  }
}
