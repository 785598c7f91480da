import { ManagedProcessState, type ManagedState } from '../domain/managed-process-state.js';
import { logTargets } from '../domain/log-files.js';
import type { InstanceSpec } from '../domain/process-spec.js';
import { RestartPolicy } from '../domain/restart-policy.js';
import { ProcessBusyError } from '../domain/supervisor.errors.js';
import type { Desired } from './ports/desired-state.port.js';
import type { IChildRegistry } from './ports/child-registry.port.js';
import type { ChildExit, ChildHandle, IProcessLauncher } from './ports/process-launcher.port.js';
import type { IReadinessProbe } from './ports/readiness-probe.port.js';
import type { ProbeObservations } from './probe-observations.js';
import type { ResourceSampler, ResourceUsage } from './resource-sampler.js';
import { GroupKiller } from './group-killer.js';
import { ReadinessWatch } from './readiness-watch.js';
import type { ExitInfo, ProcessEvent, ProcessStatus } from './process-status.js';

/** What one reconciler look at an instance changed, if anything. */
export interface ReconcileOutcome {
  /**
   * `exit-recorded`: the PID names another process now; its missed exit went to the restart policy.
   * `give-up`: an operator wants it running, but the maxRestarts budget is spent: now `failed`.
   */
  readonly action: 'start' | 'stop' | 'exit-recorded' | 'give-up';
  readonly reason: string;
}

export interface ManagedProcessDeps {
  readonly launcher: IProcessLauncher;
  readonly probe: IReadinessProbe;
  readonly registry: IChildRegistry;
  readonly ownerInstanceId: string;
  readonly globalEnv: () => Readonly<Record<string, string>>;
  readonly emit: (event: ProcessEvent) => void;
  readonly now?: () => number;
  /**
   * dependsOn: what holds a restart after backoff (`waiting for db (failed)`), or null. A
   * dependent whose dependency went down then waits instead of crash-looping against it.
   */
  readonly blockedBy?: () => string | null;
  /**
   * Samples CPU and memory of each child's whole group (the status's `resources`, and
   * max_memory_restart). Without it neither is known and max_memory_restart cannot act.
   */
  readonly resources?: ResourceSampler | null;
  /** Told every readiness probe check (duration, outcome), for the metrics. */
  readonly probes?: ProbeObservations | null;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * One supervised instance. Commands (start, stop, restart) and reactions to
 * the child (exit, failed probe, backoff elapsed) run one at a time through a
 * queue, so no two starts race and a start issued while stopping waits for it.
 */
export class ManagedProcess {
  private readonly state = new ManagedProcessState();
  private readonly policy: RestartPolicy;
  private readonly killer: GroupKiller;
  private readonly readiness: ReadinessWatch;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private child: ChildHandle | null = null;
  private childStartedAt = 0;
  private stoppingChild: ChildHandle | null = null;
  private backoffTimer: ReturnType<typeof setTimeout> | null = null;
  /** wait_ready: the listen_timeout of the child now starting. */
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  /** Ends the resource sampling of the child now running (see ResourceSampler.watch). */
  private unwatchResources: (() => void) | null = null;
  private nextRestartAt: number | null = null;
  private restarts = 0;
  /** The last move to "stopped" was the restart policy's answer to an exit. */
  private stoppedByPolicy = false;
  private lastExit: ExitInfo | null = null;
  private reason: string | null = null;
  /** Set by retire(): this object is being dropped, so it may never spawn again. */
  private retired = false;

  constructor(
    readonly instance: InstanceSpec,
    private readonly deps: ManagedProcessDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.policy = new RestartPolicy(instance.spec);
    this.killer = new GroupKiller(deps.launcher, instance.name);
    this.readiness = new ReadinessWatch(instance, deps.probe, this.now, {
      onReady: () =>
        this.enqueue(() => {
          if (this.child && this.state.value === 'starting') this.move('running', 'readiness probe passed');
        }),
      onFailed: (failures, child) => this.enqueue(() => this.onProbeFailed(failures, child)),
      onChecked: (seconds, ok) => deps.probes?.record({ name: instance.name, seconds, ok }),
    });
  }

  get name(): string {
    return this.instance.name;
  }

  get currentState(): ManagedState {
    return this.state.value;
  }

  /** True once retire() has stopped it for good: only then may the manager drop it. */
  get isRetired(): boolean {
    return this.retired;
  }

  /** Idempotent: a starting or running process just reports its status. */
  start(reason = 'start requested'): Promise<ProcessStatus> {
    return this.enqueue(() => this.doStart(reason));
  }

  /**
   * dependsOn: holds a stopped (or failed) instance in `waiting`, `reason` saying for what; a
   * waiting one just gets the new reason. A live one is left alone. Never spawns.
   */
  hold(reason: string): Promise<ProcessStatus> {
    return this.enqueue(() => {
      const current = this.state.value;
      if (!this.retired && (current === 'stopped' || current === 'failed' || current === 'waiting')) this.move('waiting', reason);
      return this.status();
    });
  }

  /** Starts the instance only if it is still `waiting` when its turn in the queue comes (a stop meanwhile wins). */
  release(reason: string): Promise<ProcessStatus> {
    return this.enqueue(async () => (this.state.value === 'waiting' ? this.doStart(reason) : this.status()));
  }

  stop(timeoutMs = this.instance.spec.killTimeoutMs, reason = 'stop requested'): Promise<ProcessStatus> {
    return this.enqueue(() => this.doStop(reason, timeoutMs));
  }

  /** `reason` names who asked (an operator, a rolling restart, cron_restart, a watched file). */
  restart(reason = 'restart requested'): Promise<ProcessStatus> {
    return this.enqueue(async () => {
      this.refuseIfRetired('restart');
      await this.doStop(reason, this.instance.spec.killTimeoutMs);
      return this.doStart(reason);
    });
  }

  /**
   * Restarts only a live instance (starting, running, or in backoff), in its queue: a stop
   * that came first wins, so a timer (cron_restart, watch) never starts a stopped process.
   * @returns null when it was not live.
   */
  restartIfLive(reason: string): Promise<ProcessStatus | null> {
    return this.enqueue(async () => {
      const state = this.state.value;
      if (this.retired || !(state === 'starting' || state === 'running' || state === 'backoff')) return null;
      await this.doStop(reason, this.instance.spec.killTimeoutMs);
      return this.doStart(reason);
    });
  }

  /** Makes `reason` the current one and tells the event log, with no state change (a rolling restart's verdict). */
  annotate(reason: string): void {
    this.reason = reason;
    const state = this.state.value;
    this.deps.emit({
      name: this.instance.name,
      index: this.instance.index,
      from: state,
      to: state,
      pid: this.child?.pid ?? null,
      exitCode: null,
      signal: null,
      reason,
      at: new Date(this.now()).toISOString(),
    });
  }

  /**
   * Stops the child for good (a reload removing or replacing the declaration, or
   * shutdown): queued behind every earlier command, and afterwards every start,
   * restart, backoff and reconciler correction is refused, so no child can be
   * spawned by an object nobody tracks any more.
   */
  retire(reason: string, timeoutMs = this.instance.spec.killTimeoutMs): Promise<ProcessStatus> {
    return this.enqueue(async () => {
      const status = await this.doStop(reason, timeoutMs);
      this.retired = true;
      return status;
    });
  }

  /**
   * One reconciler look, run in the command queue so it sees the state after
   * every earlier command and exit: nothing can restart or exit in between.
   * A child that is gone but whose exit is still on its way is left to that
   * exit; only a PID that now names another process is a missed exit. No
   * correction resets the restart accounting.
   */
  reconcile(desired: () => Desired | null): Promise<ReconcileOutcome | null> {
    return this.enqueue(() => this.doReconcile(desired()));
  }

  status(): ProcessStatus {
    const running = this.child !== null;
    return {
      name: this.instance.name,
      specName: this.instance.specName,
      index: this.instance.index,
      state: this.state.value,
      pid: this.child?.pid ?? null,
      startedAt: running ? new Date(this.childStartedAt).toISOString() : null,
      uptimeSeconds: running ? (this.now() - this.childStartedAt) / 1000 : null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      reason: this.reason,
      nextRestartAt: this.nextRestartAt === null ? null : new Date(this.nextRestartAt).toISOString(),
      resources: running ? (this.deps.resources?.usageOf(this.instance.name) ?? null) : null,
    };
  }

  private enqueue<T>(op: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doStart(reason: string): Promise<ProcessStatus> {
    this.refuseIfRetired('start');
    const current = this.state.value;
    if (current === 'starting' || current === 'running') return this.status();
    this.cancelBackoff();
    this.policy.reset();
    this.restarts = 0;
    await this.spawn(reason);
    return this.status();
  }

  private async spawn(reason: string): Promise<void> {
    this.stoppedByPolicy = false;
    this.move('starting', reason);
    const { instance, deps } = this;
    let child: ChildHandle;
    try {
      child = await deps.launcher.launch({
        name: instance.name,
        command: instance.spec.command,
        args: instance.spec.args,
        shell: instance.spec.shell,
        cwd: instance.spec.cwd,
        env: { ...deps.globalEnv(), ...instance.env },
        ...(instance.spec.waitReady ? { readyChannel: true } : {}),
        logs: logTargets(instance.spec.logs, instance.index, instance.spec.instances),
      });
    } catch (error) {
      // Always through the timer, even at 0 ms: a command that cannot start must not retry in a microtask loop.
      await this.afterExit({ code: null, signal: null }, 0, `could not start: ${(error as Error).message}`, null, false);
      return;
    }
    this.child = child;
    this.childStartedAt = this.now();
    deps.registry.put({
      name: instance.name,
      pid: child.pid,
      pgid: child.pgid,
      startTime: child.startTime,
      bootId: deps.launcher.bootId,
      ownerInstanceId: deps.ownerInstanceId,
      startedAt: new Date(this.childStartedAt).toISOString(),
    });
    // The exit event decides at once; nothing polls for liveness.
    void child.exited.then((exit) => this.enqueue(() => this.onChildExit(child, exit)));
    this.watchResources(child, instance.spec.maxMemoryBytes);
    if (instance.spec.waitReady) this.waitForReady(child, instance.spec.waitReady.timeoutMs);
    else if (!this.readiness.begin(child)) this.move('running', 'started (no readiness probe)');
  }

  /**
   * PM2 `wait_ready`: `starting` until the child sends 'ready'. Not by `listen_timeout`, it is
   * stopped (stop signal, kill timeout, SIGKILL) and the exit goes to the restart policy as a
   * failed start (PM2 would call it online anyway; here "running" means it said so).
   */
  private waitForReady(child: ChildHandle, timeoutMs: number): void {
    child.onReady(() =>
      void this.enqueue(() => {
        if (this.child !== child || this.state.value !== 'starting') return;
        this.clearReadyTimer();
        this.move('running', "sent 'ready' (wait_ready)");
      }),
    );
    this.readyTimer = setTimeout(() => {
      void this.enqueue(async () => {
        if (this.child !== child || this.state.value !== 'starting') return;
        this.readyTimer = null;
        await this.stopUnready(child, `did not send 'ready' within ${timeoutMs} ms (listen_timeout)`);
      });
    }, timeoutMs);
  }

  /**
   * Samples the child's whole group while it lives, and applies PM2 `max_memory_restart` to
   * it (PM2 reads the main PID only): over the limit, the child is stopped and restarted
   * through the restart policy, the reason naming the figure measured.
   */
  private watchResources(child: ChildHandle, limit: number | null): void {
    const sampler = this.deps.resources;
    if (!sampler) return;
    let tripped = false;
    const onSample = (usage: ResourceUsage) => {
      if (limit === null || tripped || usage.rssBytes <= limit) return;
      tripped = true;
      void this.enqueue(async () => {
        if (this.child !== child || child === this.stoppingChild) return;
        await this.stopUnready(child, `memory ${mib(usage.rssBytes)} of the process group is over max_memory_restart ${mib(limit)}`);
      });
    };
    this.unwatchResources = sampler.watch(this.instance.name, child.pgid, onSample);
  }

  private stopResourceWatch(): void {
    this.unwatchResources?.();
    this.unwatchResources = null;
  }

  private clearReadyTimer(): void {
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
  }

  private async stopUnready(child: ChildHandle, how: string): Promise<void> {
    this.stoppingChild = child;
    const exit = await this.killer.stop(child, this.instance.spec.stopSignal, this.instance.spec.killTimeoutMs);
    this.stoppingChild = null;
    this.forget(child);
    await this.afterExit({ ...exit, crashed: true }, this.now() - this.childStartedAt, how, child.pid);
  }

  private async onChildExit(child: ChildHandle, exit: ChildExit): Promise<void> {
    if (child !== this.child || child === this.stoppingChild) return;
    // The leader is gone; whatever it left in its group goes with it. killRemains sends the
    // group its SIGKILL before it first awaits, so the replacement (a new group) starts while the
    // old members are seen gone, not after: that wait (~5 ms, a /proc scan) was a sixth of a respawn.
    const remains = this.killer.killRemains(child);
    this.forget(child);
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    try {
      await this.afterExit(exit, this.now() - this.childStartedAt, how, child.pid);
    } finally {
      await remains;
    }
  }

  private async onProbeFailed(failures: number, child: ChildHandle): Promise<void> {
    if (child !== this.child) return;
    await this.stopUnready(child, `readiness probe failed ${failures} times`);
  }

  /**
   * The restart policy's answer to an exit. A restart after `delayMs` 0 runs at once, in the
   * queue operation that saw the exit (a timer would add a turn of the event loop, and whatever
   * else that turn holds, for nothing); `immediate` false sends even that through the timer.
   */
  private async afterExit(
    exit: ChildExit & { crashed?: boolean },
    uptimeMs: number,
    how: string,
    pid: number | null,
    immediate = true,
  ): Promise<void> {
    const ended = { pid, exit };
    this.lastExit = { code: exit.code, signal: exit.signal, at: new Date(this.now()).toISOString() };
    const decision = this.policy.decide(exit, uptimeMs, this.now());
    if (decision.action === 'restart') {
      this.nextRestartAt = this.now() + decision.delayMs;
      this.move('backoff', `${how}; restarting in ${decision.delayMs} ms (attempt ${decision.attempt})`, ended);
      const restart = async () => {
        if (this.state.value !== 'backoff' || this.retired) return;
        this.backoffTimer = null;
        this.nextRestartAt = null;
        const blocker = this.deps.blockedBy?.() ?? null;
        if (blocker !== null) {
          this.move('waiting', blocker);
          return;
        }
        this.restarts += 1;
        await this.spawn(`restart ${decision.attempt} after backoff`);
      };
      if (immediate && decision.delayMs === 0) await restart();
      else this.backoffTimer = setTimeout(() => void this.enqueue(restart), decision.delayMs);
    } else if (decision.action === 'give-up') {
      this.move('failed', `${how}; gave up: ${decision.reason}`, ended);
    } else {
      this.stoppedByPolicy = true;
      this.move('stopped', `${how}; ${decision.reason}`, ended);
    }
  }

  private async doStop(reason: string, timeoutMs: number): Promise<ProcessStatus> {
    this.cancelBackoff();
    const child = this.child;
    if (!child) {
      if (this.state.value !== 'stopped') this.move('stopped', reason);
      return this.status();
    }
    this.move('stopping', reason);
    this.stoppingChild = child;
    const exit = await this.killer.stop(child, this.instance.spec.stopSignal, timeoutMs);
    this.stoppingChild = null;
    this.forget(child);
    this.lastExit = { code: exit.code, signal: exit.signal, at: new Date(this.now()).toISOString() };
    this.move('stopped', reason, { pid: child.pid, exit });
    return this.status();
  }

  private async doReconcile(desired: Desired | null): Promise<ReconcileOutcome | null> {
    if (this.retired) return null;
    const state = this.state.value;
    const child = this.child;
    const live = state === 'running' || state === 'starting';
    if (live && child && child !== this.stoppingChild && child.startTime !== null) {
      const startTime = this.deps.launcher.startTimeOf(child.pid);
      // Gone: its exit event is queued behind us or about to be; that exit decides, not we.
      if (startTime === null) return null;
      if (startTime !== child.startTime) {
        const reason = `reconciler: PID ${child.pid} is no longer the process it started`;
        // That PID is someone else's now: never signal it; record the exit we missed.
        this.forget(child);
        await this.afterExit({ code: null, signal: null }, this.now() - this.childStartedAt, reason, child.pid);
        return { action: 'exit-recorded', reason };
      }
    }
    if (desired === 'running' && state === 'stopped') {
      const reason = 'reconciler: desired running, found stopped';
      // Stopped by its own policy (autorestart never, a clean exit under on-failure) although an
      // operator wants it running: restart it, but from the same maxRestarts budget, never without limit.
      const budget = this.stoppedByPolicy ? this.policy.spend(this.now()) : null;
      if (budget?.action === 'give-up') {
        const why = `${reason}; gave up: ${budget.reason}`;
        this.move('failed', why);
        return { action: 'give-up', reason: why };
      }
      // Not doStart: a correction is the supervisor's restart, counted, never a fresh start.
      this.cancelBackoff();
      this.restarts += 1;
      await this.spawn(reason);
      return { action: 'start', reason };
    }
    if (desired === 'stopped' && (live || state === 'backoff')) {
      const reason = `reconciler: desired stopped, found ${state}`;
      await this.doStop(reason, this.instance.spec.killTimeoutMs);
      return { action: 'stop', reason };
    }
    return null;
  }

  private refuseIfRetired(action: string): void {
    if (this.retired) throw new ProcessBusyError(this.instance.name, 'retired (its declaration was reloaded or removed, or the backend is shutting down)', action);
  }

  private forget(child: ChildHandle): void {
    this.readiness.end();
    this.clearReadyTimer();
    this.stopResourceWatch();
    if (this.child === child) this.child = null;
    this.deps.registry.remove(this.instance.name, child.pid);
  }

  private cancelBackoff(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
    this.nextRestartAt = null;
  }

  /** `ended` names the child whose exit caused the move, so the event says which PID ended and how. */
  private move(to: ManagedState, reason: string, ended?: { pid: number | null; exit: ChildExit }): void {
    const from = this.state.moveTo(to);
    this.reason = reason;
    if (from === null) return;
    this.deps.emit({
      name: this.instance.name,
      index: this.instance.index,
      from,
      to,
      pid: ended ? ended.pid : (this.child?.pid ?? null),
      exitCode: ended?.exit.code ?? null,
      signal: ended?.exit.signal ?? null,
      reason,
      at: new Date(this.now()).toISOString(),
    });
  }

  /** For a forced exit: SIGKILL this instance's group at once. */
  killNow(): void {
    const child = this.child ?? this.stoppingChild;
    if (child) this.killer.killNow(child);
  }
}
