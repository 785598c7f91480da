import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { INSTANCE_ID } from '../../lifecycle/application/lifecycle.tokens.js';
import { dependencyLevels } from '../domain/dependency-order.js';
import { matchesPattern } from '../domain/name-pattern.js';
import { expandInstances, sameSpec, type InstanceSpec, type ProcessSpec } from '../domain/process-spec.js';
import { ProcessBusyError, UnknownProcessError } from '../domain/supervisor.errors.js';
import { DependencyGate } from './dependency-gate.js';
import { ManagedProcess, type ReconcileOutcome } from './managed-process.js';
import type { IChildRegistry } from './ports/child-registry.port.js';
import { DESIRED_STATE, InMemoryDesiredState, type Desired, type IDesiredStateStore } from './ports/desired-state.port.js';
import type { IOutputStore, LogLine } from './ports/output-store.port.js';
import type { IProcessLauncher } from './ports/process-launcher.port.js';
import type { IReadinessProbe } from './ports/readiness-probe.port.js';
import type { ProcessEvent, ProcessStatus } from './process-status.js';
import type { ProbeObservations } from './probe-observations.js';
import type { ResourceSampler } from './resource-sampler.js';
import { rollInstances, StateWaiters, type RollHooks, type RollOutcome } from './rolling-restart.js';
import {
  CHILD_REGISTRY,
  CRON_SCHEDULER,
  FILE_WATCHER,
  OUTPUT_STORE,
  PROBE_OBSERVATIONS,
  PROCESS_LAUNCHER,
  READINESS_PROBE,
  RESOURCE_SAMPLER,
} from './supervisor.tokens.js';
import { REAL_TIMERS, type ICronScheduler, type IFileWatcher } from './ports/restart-trigger.port.js';
import { SpecTriggers } from './restart-triggers.js';

export interface ReloadReport {
  readonly started: string[];
  readonly stopped: string[];
  readonly restarted: string[];
  readonly unchanged: string[];
  /** Changed specs with several instances are rolled (see rollingRestart); one outcome each. */
  readonly rolls: RollOutcome[];
}

/**
 * The manager API over every declared instance. Only names declared in the
 * process config exist here: nothing ever runs a command from elsewhere.
 */
@Injectable()
export class ProcessManager {
  private readonly logger = new Logger('Supervisor');
  private specs = new Map<string, ProcessSpec>();
  private readonly processes = new Map<string, ManagedProcess>();
  private readonly listeners: ((event: ProcessEvent) => void)[] = [];
  private globalEnv: Record<string, string> = {};
  /** Reloads run one after another: each compares against what the last one left. */
  private reloads: Promise<unknown> = Promise.resolve();
  /** Set by shutdown: a reload under way stops at its next step, startAll starts nothing. */
  private closing = false;
  /** Set by haltRolls (shutdown's first step): rolls start no further instance. */
  private rollsHalted = false;
  /** dependsOn: instances held in `waiting` until their dependencies run. */
  private readonly gate = new DependencyGate((specName) => (this.specs.has(specName) ? this.instancesOf(specName) : null));
  /** Rolling restarts under way, by spec name: one at a time per spec. */
  private readonly rolls = new Map<string, Promise<RollOutcome>>();
  private readonly waiters = new StateWaiters();
  /** cron_restart and watch of each declaration that asks for them. */
  private readonly triggers = new Map<string, SpecTriggers>();

  constructor(
    @Inject(PROCESS_LAUNCHER) private readonly launcher: IProcessLauncher,
    @Inject(READINESS_PROBE) private readonly probe: IReadinessProbe,
    @Inject(OUTPUT_STORE) private readonly output: IOutputStore,
    @Inject(CHILD_REGISTRY) private readonly registry: IChildRegistry,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Optional() @Inject(DESIRED_STATE) private readonly desired: IDesiredStateStore = new InMemoryDesiredState(),
    @Optional() @Inject(RESOURCE_SAMPLER) private readonly resources: ResourceSampler | null = null,
    @Optional() @Inject(PROBE_OBSERVATIONS) private readonly probes: ProbeObservations | null = null,
    @Optional() @Inject(CRON_SCHEDULER) private readonly cron: ICronScheduler | null = null,
    @Optional() @Inject(FILE_WATCHER) private readonly watcher: IFileWatcher | null = null,
  ) {}

  /** Declares the specs (no process starts). */
  declare(specs: readonly ProcessSpec[]): void {
    for (const spec of specs) this.add(spec);
  }

  onEvent(listener: (event: ProcessEvent) => void): void {
    this.listeners.push(listener);
  }

  async start(name: string, reason?: string): Promise<ProcessStatus> {
    return this.get(name).start(reason);
  }

  /** An operator's start: remembered, so it still holds after a backend restart. */
  async operatorStart(name: string): Promise<ProcessStatus> {
    const managed = this.get(name);
    this.desired.set(name, 'running', 'operator');
    return managed.start('start requested by an operator');
  }

  /** An operator's restart: also an intent that the process runs. */
  async operatorRestart(name: string): Promise<ProcessStatus> {
    const managed = this.get(name);
    this.desired.set(name, 'running', 'operator');
    return managed.restart();
  }

  /** An operator's stop: remembered; the process stays stopped across restarts. */
  async operatorStop(name: string): Promise<ProcessStatus> {
    const managed = this.get(name);
    this.desired.set(name, 'stopped', 'operator');
    this.gate.forget(managed);
    return managed.stop(undefined, 'stop requested by an operator');
  }

  /**
   * What should be true of `name`: the operator's stored intent, else "running"
   * for `autorestart: always` (unless `autostart: false`), else nothing to enforce.
   */
  desiredOf(name: string): Desired | null {
    const { spec } = this.get(name).instance;
    return this.desired.get(name) ?? (spec.autorestart === 'always' && spec.autostart ? 'running' : null);
  }

  /** One reconciler look at `name`, inside its command queue (see ManagedProcess.reconcile). */
  reconcile(name: string): Promise<ReconcileOutcome | null> {
    const managed = this.get(name);
    return managed.reconcile(() => (this.processes.get(name) === managed ? this.desiredOf(name) : null));
  }

  /** Starts the first `count` (default: all) instances of a declared process. */
  async startN(specName: string, count?: number): Promise<ProcessStatus[]> {
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new RangeError(`count must be a whole number of at least 1, got ${count}`);
    }
    const instances = this.instancesOf(specName).slice(0, count ?? Infinity);
    return Promise.all(instances.map((p) => p.start()));
  }

  /**
   * Starts every match except those an operator stopped (their intent outlives restarts).
   * `atStartup`: also leaves `autostart: false` processes stopped, unless an operator started them.
   */
  async startAll(pattern = '*', options: { atStartup?: boolean } = {}): Promise<ProcessStatus[]> {
    if (this.closing) return [];
    const targets = this.matching(pattern).filter((p) => {
      const desired = this.desired.get(p.name);
      if (desired === 'stopped') this.logger.log(`${p.name}: left stopped, as an operator asked`);
      const manual = options.atStartup === true && !p.instance.spec.autostart && desired !== 'running';
      if (manual) this.logger.log(`${p.name}: not started (autostart: false)`);
      return desired !== 'stopped' && !manual;
    });
    // An instance whose dependencies do not all run yet waits (see DependencyGate); startAll does not.
    return Promise.all(targets.map((p) => this.gate.admit(p)));
  }

  async stop(name: string, timeoutMs?: number, reason?: string): Promise<ProcessStatus> {
    const managed = this.get(name);
    this.gate.forget(managed);
    return managed.stop(timeoutMs, reason);
  }

  async stopAll(pattern = '*', timeoutMs?: number): Promise<ProcessStatus[]> {
    const targets = this.matching(pattern);
    for (const p of targets) this.gate.forget(p);
    return Promise.all(targets.map((p) => p.stop(timeoutMs)));
  }

  async restart(name: string): Promise<ProcessStatus> {
    return this.get(name).restart();
  }

  /**
   * Replaces the instances of `specName` one at a time, each running and ready before the
   * next stops (see rollInstances); instances an operator stopped stay stopped.
   * @throws UnknownProcessError for a name that is not a declared spec.
   * @throws ProcessBusyError while another roll of it runs, or once shutdown has begun.
   */
  rollingRestart(specName: string): Promise<RollOutcome> {
    const spec = this.specs.get(specName);
    if (!spec) throw new UnknownProcessError(specName);
    if (this.closing || this.rollsHalted) throw new ProcessBusyError(specName, 'shutting down', 'start a rolling restart of');
    if (this.rolls.has(specName)) throw new ProcessBusyError(specName, 'in a rolling restart already', 'start another rolling restart of');
    return this.track(specName, rollInstances(spec, expandInstances(spec), 'api', this.rollHooks(), true));
  }

  status(name: string): ProcessStatus {
    return this.get(name).status();
  }

  statusAll(pattern = '*'): ProcessStatus[] {
    return this.matching(pattern).map((p) => p.status());
  }

  count(pattern = '*', state?: ProcessStatus['state']): number {
    let n = 0;
    for (const p of this.processes.values()) {
      if (matchesPattern(pattern, p.name) && (!state || p.currentState === state)) n += 1;
    }
    return n;
  }

  has(name: string): boolean {
    return this.processes.has(name);
  }

  /** Variables every child gets, under its own env. */
  setGlobalEnv(vars: Readonly<Record<string, string>>): void {
    this.globalEnv = { ...this.globalEnv, ...vars };
  }

  /**
   * Stops every child for good, dependents before their dependencies (reverse dependsOn
   * order, each level in parallel), including whatever a reload under way adds before it
   * sees `closing`; after this nothing can start again. The levels share one deadline, the
   * longest kill timeout, so the whole stop takes no longer than with no dependsOn: a later
   * level gets SIGKILL sooner if earlier ones used the time.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.gate.clear();
    const halted = this.haltRolls();
    const retireAll = async () => {
      const specs = [...this.specs.values()];
      const deadline = Date.now() + Math.max(0, ...specs.map((spec) => spec.killTimeoutMs));
      for (const level of stopLevels(specs)) {
        const members = [...this.processes.values()].filter((p) => level.includes(p.instance.specName));
        await Promise.all(members.map((p) => p.retire('stop requested', Math.min(p.instance.spec.killTimeoutMs, Math.max(0, deadline - Date.now())))));
      }
      // Whatever no level holds (an object a reload is replacing).
      await Promise.all([...this.processes.values()].map((p) => p.retire('stop requested', Math.max(0, deadline - Date.now()))));
    };
    await Promise.all([retireAll(), this.reloads, halted, ...this.rolls.values()]);
    await retireAll();
  }

  /**
   * Shutdown's first step, before the HTTP drain: rolls under way replace no further instance
   * and answer at once (their request would otherwise hold the drain), none can begin, and
   * every cron_restart schedule and file watcher is closed.
   */
  haltRolls(): Promise<void> {
    this.rollsHalted = true;
    this.waiters.abortAll();
    return this.closeTriggers();
  }

  private async closeTriggers(specName?: string): Promise<void> {
    const names = specName === undefined ? [...this.triggers.keys()] : [specName];
    await Promise.all(
      names.map((name) => {
        const t = this.triggers.get(name);
        this.triggers.delete(name);
        return t?.close();
      }),
    );
  }

  private openTriggers(spec: ProcessSpec): void {
    if (this.rollsHalted || !SpecTriggers.wanted(spec)) return;
    const triggers = new SpecTriggers(spec, {
      cron: this.cron,
      watcher: this.watcher,
      timers: REAL_TIMERS,
      restart: (reason) => this.triggeredRestart(spec.name, reason),
      log: (level, message) => this.logger[level](message),
    });
    this.triggers.set(spec.name, triggers);
    triggers.open();
  }

  /**
   * cron_restart / watch: restarts the live instances (stopped ones stay stopped), one
   * instance at a time when there are several (a rolling restart), never during shutdown.
   */
  private async triggeredRestart(specName: string, reason: string): Promise<void> {
    const spec = this.specs.get(specName);
    if (!spec || this.closing || this.rollsHalted) return;
    try {
      const instances = this.instancesOf(specName);
      if (instances.length === 1) {
        await instances[0].restartIfLive(reason);
        return;
      }
      if (this.rolls.has(specName)) {
        this.logger.log(`${specName}: ${reason}: skipped, a rolling restart is under way`);
        return;
      }
      await this.track(specName, rollInstances(spec, expandInstances(spec), 'trigger', this.rollHooks(), true, reason));
    } catch (error) {
      this.logger.warn(`${specName}: ${reason}: not restarted: ${(error as Error).message}`);
    }
  }

  /** Forced exit: SIGKILL every child group now; no waiting, no promises. */
  killAllNow(): void {
    for (const managed of this.processes.values()) managed.killNow();
  }

  tail(name: string, lines: number): Promise<string[]> {
    this.get(name);
    return this.output.tail(name, lines);
  }

  /** The seq to follow a declared process's output from so that its last `lines` lines come first. */
  outputStart(name: string, lines: number): number {
    this.get(name);
    return Math.max(0, this.output.lastSeq(name) - lines);
  }

  /**
   * Follows a declared process's output after `afterSeq`. A seq past the newest line (a client
   * resuming with an id from an earlier backend run) means "from now", or it would hide new lines.
   */
  followOutput(name: string, from: number | 'now', onLine: (line: LogLine) => void): () => void {
    this.get(name);
    return this.output.follow(name, this.resumePoint(name, from), onLine);
  }

  /**
   * Where a follow starts: a seq past the newest line (a client resuming with an id from an
   * earlier backend run) means "from now", or it would hide new lines. Every seq a client was
   * sent is at most lastSeq, which counts delivered lines too.
   */
  resumePoint(name: string, from: number | 'now'): number | 'now' {
    return from === 'now' || from > this.output.lastSeq(name) ? 'now' : from;
  }

  /**
   * Applies a new set of specs: start what is new, stop what is gone, restart
   * what changed. Calls are serialised: a reload issued while another runs
   * waits for it, then compares against what it left, so the last call wins.
   * @throws ProcessBusyError once shutdown has begun (nothing is applied).
   */
  reload(specs: readonly ProcessSpec[]): Promise<ReloadReport> {
    const run = this.reloads.then(() => this.applyReload(specs));
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private async applyReload(specs: readonly ProcessSpec[]): Promise<ReloadReport> {
    const report: ReloadReport = { started: [], stopped: [], restarted: [], unchanged: [], rolls: [] };
    const next = new Map(specs.map((s) => [s.name, s]));
    for (const [name, old] of this.specs) {
      if (next.has(name)) continue;
      this.refuseIfClosing();
      await this.retireSpec(old, 'removed from the process config');
      report.stopped.push(name);
    }
    // Dependencies first: a dependent added before its dependency is declared would find nothing to wait for.
    for (const spec of startOrder(specs)) {
      const old = this.specs.get(spec.name);
      // Every instance counts: after a roll that stopped, some still run the declaration before it.
      if (old && sameSpec(old, spec) && this.instancesOf(spec.name).every((p) => sameSpec(p.instance.spec, spec))) {
        report.unchanged.push(spec.name);
        continue;
      }
      this.refuseIfClosing();
      if (old && old.instances > 1 && spec.instances > 1) {
        report.rolls.push(await this.rollReload(old, spec));
        report.restarted.push(spec.name);
        continue;
      }
      if (old) await this.retireSpec(old, 'declaration changed in the process config');
      this.refuseIfClosing();
      this.add(spec);
      // A new or changed declaration is the config speaking: earlier operator intent no longer applies.
      this.desired.clear(this.instancesOf(spec.name).map((p) => p.name));
      if (spec.autostart) await Promise.all(this.instancesOf(spec.name).map((p) => this.gate.admit(p)));
      (old ? report.restarted : report.started).push(spec.name);
    }
    return report;
  }

  private refuseIfClosing(): void {
    if (this.closing) throw new ProcessBusyError('process config', 'shutting down', 'reload');
  }

  /** Stops a declaration's instances for good, then drops them (only retired objects are ever dropped). */
  private async retireSpec(spec: ProcessSpec, reason: string): Promise<void> {
    const instances = this.instancesOf(spec.name);
    for (const p of instances) this.gate.forget(p);
    await Promise.all(instances.map((p) => p.retire(reason)));
    for (const p of instances) {
      if (this.processes.get(p.name) === p) this.processes.delete(p.name);
    }
    this.specs.delete(spec.name);
    await this.closeTriggers(spec.name);
  }

  /**
   * A changed declaration with several instances on both sides: the instances both have are
   * rolled (after any API roll of it ends); those it drops stop, those it adds start. The
   * declaration is the new one even when the roll stops: the next reload of the same file
   * resumes it (an instance still on the old one is not "unchanged").
   */
  private async rollReload(old: ProcessSpec, spec: ProcessSpec): Promise<RollOutcome> {
    await this.rolls.get(spec.name)?.catch(() => undefined);
    this.refuseIfClosing();
    await this.closeTriggers(spec.name);
    this.specs.set(spec.name, spec);
    this.openTriggers(spec);
    const next = expandInstances(spec);
    const common = next.filter((i) => i.index <= old.instances && !sameSpec(this.processes.get(i.name)!.instance.spec, spec));
    this.desired.clear(next.map((i) => i.name));
    const outcome = await this.track(spec.name, rollInstances(spec, common, 'reload', this.rollHooks(), false));
    for (const gone of expandInstances(old).filter((i) => i.index > spec.instances)) {
      const managed = this.processes.get(gone.name);
      if (!managed) continue;
      this.gate.forget(managed);
      await managed.retire('declaration changed in the process config: fewer instances');
      if (this.processes.get(gone.name) === managed) this.processes.delete(gone.name);
    }
    for (const added of next.filter((i) => i.index > old.instances)) {
      this.refuseIfClosing();
      const managed = this.createManaged(added);
      this.processes.set(added.name, managed);
      if (spec.autostart) await this.gate.admit(managed);
    }
    return outcome;
  }

  private track(specName: string, roll: Promise<RollOutcome>): Promise<RollOutcome> {
    const tracked = roll.finally(() => {
      if (this.rolls.get(specName) === tracked) this.rolls.delete(specName);
    });
    this.rolls.set(specName, tracked);
    void tracked.then((outcome) => this.logger[outcome.ok ? 'log' : 'warn'](outcome.reason), () => undefined);
    return tracked;
  }

  private rollHooks(): RollHooks {
    return {
      current: (name) => this.processes.get(name),
      replace: async (old, next, reason) => {
        this.gate.forget(old);
        await old.retire(reason);
        this.refuseIfClosing();
        const fresh = this.createManaged(next);
        this.processes.set(next.name, fresh);
        return fresh;
      },
      admit: (managed, reason) => (managed.instance.spec.autostart ? this.gate.admit(managed, reason) : Promise.resolve(null)),
      closing: () => this.closing || this.rollsHalted,
      waiters: this.waiters,
      note: (managed, reason) => managed.annotate(reason),
    };
  }

  /** @throws ProcessBusyError when an instance name is held by a process that is not retired. */
  private add(spec: ProcessSpec): void {
    const instances = expandInstances(spec);
    for (const instance of instances) {
      const existing = this.processes.get(instance.name);
      // Replacing a live object would leave its child running with nobody tracking it.
      if (existing && !existing.isRetired) throw new ProcessBusyError(instance.name, existing.currentState, 'redeclare');
    }
    this.specs.set(spec.name, spec);
    for (const instance of instances) this.processes.set(instance.name, this.createManaged(instance));
    this.openTriggers(spec);
  }

  private createManaged(instance: InstanceSpec): ManagedProcess {
    return new ManagedProcess(instance, {
      launcher: this.launcher,
      probe: this.probe,
      registry: this.registry,
      ownerInstanceId: this.instanceId,
      globalEnv: () => this.globalEnv,
      emit: (event) => this.publish(event),
      blockedBy: () => (this.closing ? null : this.gate.blockerFor(instance.spec.dependsOn)),
      resources: this.resources,
      probes: this.probes,
    });
  }

  private publish(event: ProcessEvent): void {
    const level = event.to === 'failed' || event.to === 'backoff' ? 'warn' : 'log';
    // The words for people, the same facts as fields of the JSON line (LOG_FORMAT=json).
    this.logger[level]({
      msg: `${event.name}: ${event.from} -> ${event.to}${event.pid ? ` (pid ${event.pid})` : ''}: ${event.reason}`,
      event: 'process.state',
      process: { name: event.name, index: event.index, from: event.from, to: event.to, pid: event.pid, exitCode: event.exitCode, signal: event.signal, reason: event.reason },
    });
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`An event listener failed: ${(error as Error).message}`);
      }
    }
    this.waiters.notify(event);
    if (this.closing) return;
    const managed = this.processes.get(event.name);
    if (event.to === 'waiting' && managed) this.gate.track(managed);
    this.gate.recheck();
  }

  private get(name: string): ManagedProcess {
    const managed = this.processes.get(name);
    if (!managed) throw new UnknownProcessError(name);
    return managed;
  }

  private instancesOf(specName: string): ManagedProcess[] {
    if (!this.specs.has(specName)) throw new UnknownProcessError(specName);
    return [...this.processes.values()].filter((p) => p.instance.specName === specName);
  }

  private matching(pattern: string): ManagedProcess[] {
    return [...this.processes.values()].filter((p) => matchesPattern(pattern, p.name));
  }
}

/** Dependencies before their dependents, file order within a level (a cycle, never parsed: file order). */
function startOrder(specs: readonly ProcessSpec[]): ProcessSpec[] {
  try {
    const byName = new Map(specs.map((spec) => [spec.name, spec]));
    return dependencyLevels(specs).flatMap((level) => level.map((name) => byName.get(name)!));
  } catch {
    return [...specs];
  }
}

/** Dependents first. Specs declared without the parser could hold a cycle: then all at once, never a throw. */
function stopLevels(specs: readonly ProcessSpec[]): string[][] {
  try {
    return dependencyLevels(specs).reverse();
  } catch {
    return [specs.map((spec) => spec.name)];
  }
}
