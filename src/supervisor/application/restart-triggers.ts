import type { ProcessSpec } from '../domain/process-spec.js';
import { ignoreMatcher } from '../domain/watch-ignore.js';
import type { ICronScheduler, IFileWatcher, Timers, TriggerHandle } from './ports/restart-trigger.port.js';

export interface TriggerDeps {
  readonly cron: ICronScheduler | null;
  readonly watcher: IFileWatcher | null;
  readonly timers: Timers;
  /** Restarts the spec's live instances, `reason` saying why; never throws (it logs). */
  readonly restart: (reason: string) => Promise<void>;
  readonly log: (level: 'log' | 'warn', message: string) => void;
}

/**
 * The restart triggers of one declaration: its `cron_restart` schedule and its `watch`.
 * Opened when the declaration is added, closed when it is replaced, removed, or at
 * shutdown; after close() nothing fires. A watched change restarts once the paths have
 * been quiet for `watch_delay` (changes meanwhile push the restart back); changes during
 * a restart make one more restart after it, never a queue of them.
 */
export class SpecTriggers {
  private readonly handles: TriggerHandle[] = [];
  private debounce: unknown = null;
  private pending: { path: string; count: number } | null = null;
  private restarting: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly deps: TriggerDeps,
  ) {}

  /** True when the spec asks for any trigger. */
  static wanted(spec: ProcessSpec): boolean {
    return spec.cronRestart !== null || spec.watch !== null;
  }

  open(): void {
    const { spec, deps } = this;
    if (spec.cronRestart !== null) {
      if (!deps.cron) deps.log('warn', `${spec.name}: cron_restart is set but no scheduler is available; ignored`);
      else {
        const expression = spec.cronRestart;
        this.handles.push(deps.cron.schedule(expression, () => void this.fire(`cron_restart "${expression}": scheduled restart`)));
      }
    }
    if (spec.watch !== null) {
      if (!deps.watcher) deps.log('warn', `${spec.name}: watch is set but no file watcher is available; ignored`);
      else {
        const ignored = ignoreMatcher(spec.watch.ignore, spec.cwd);
        this.handles.push(
          deps.watcher.watch(
            { paths: spec.watch.paths, ignored },
            (path) => this.changed(path),
            (message) => deps.log('warn', `${spec.name}: watch: ${message}`),
          ),
        );
      }
    }
  }

  /** Stops the schedule and the watchers and drops a pending restart; awaits the watchers' close. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce !== null) this.deps.timers.clear(this.debounce);
    this.debounce = null;
    this.pending = null;
    const handles = this.handles.splice(0);
    await Promise.all(handles.map(async (h) => h.stop()));
  }

  /** A change under a watched path: restart after `watch_delay` of quiet. */
  changed(path: string): void {
    if (this.closed || this.spec.watch === null) return;
    this.pending = { path, count: (this.pending?.count ?? 0) + 1 };
    if (this.debounce !== null) this.deps.timers.clear(this.debounce);
    this.debounce = this.deps.timers.set(() => {
      this.debounce = null;
      void this.flush();
    }, this.spec.watch.delayMs);
  }

  private async flush(): Promise<void> {
    // A restart under way: the changes wait for it, then make one more.
    if (this.restarting) {
      await this.restarting;
      if (this.debounce !== null) return;
    }
    const pending = this.pending;
    if (this.closed || pending === null) return;
    this.pending = null;
    const more = pending.count > 1 ? ` (and ${pending.count - 1} more change${pending.count > 2 ? 's' : ''})` : '';
    await this.fire(`watch: ${pending.path} changed${more}`);
  }

  private async fire(reason: string): Promise<void> {
    if (this.closed) return;
    if (this.restarting) {
      this.deps.log('log', `${this.spec.name}: ${reason}: skipped, a triggered restart is still under way`);
      return;
    }
    this.restarting = this.deps.restart(reason).finally(() => {
      this.restarting = null;
    });
    await this.restarting;
  }
}
