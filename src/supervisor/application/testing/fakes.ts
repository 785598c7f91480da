import { expandInstances, type InstanceSpec, type ProcessSpec } from '../../domain/process-spec.js';
import { LaunchError } from '../../domain/supervisor.errors.js';
import type { ChildRecord, IChildRegistry } from '../ports/child-registry.port.js';
import type { IOutputStore, LogLine } from '../ports/output-store.port.js';
import type { ChildExit, ChildHandle, IProcessLauncher, LaunchRequest, OutputStream } from '../ports/process-launcher.port.js';
import type { IReadinessProbe, ResolvedProbeTarget } from '../ports/readiness-probe.port.js';
import type { GroupMemberUsage, IGroupUsageReader } from '../ports/group-usage-reader.port.js';

/** A promise the test settles by hand. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;

  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.resolve = resolve;
    });
  }
}

/**
 * A spec with every field filled in: `web` running `node server.js`, restarted
 * always, backoff 100 ms doubling to 1 s, 3 restarts a minute, no probe.
 */
export function specOf(fields: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    name: 'web',
    command: 'node',
    args: ['server.js'],
    shell: false,
    cwd: '/srv/app',
    env: {},
    instances: 1,
    port: null,
    autorestart: 'always',
    backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, resetAfterMs: 60_000 },
    maxRestarts: 3,
    restartWindowMs: 60_000,
    stopExitCodes: [],
    autostart: true,
    instanceVar: 'NODE_APP_INSTANCE',
    incrementVar: null,
    stopSignal: 'SIGTERM',
    killTimeoutMs: 1000,
    readiness: { target: { kind: 'none' }, intervalMs: 100, timeoutMs: 50, failureThreshold: 3, startupGraceMs: 500 },
    waitReady: null,
    maxMemoryBytes: null,
    cronRestart: null,
    watch: null,
    dependsOn: [],
    ...fields,
  };
}

/** The first (or only) instance of `specOf(fields)`. */
export function instanceOf(fields: Partial<ProcessSpec> = {}): InstanceSpec {
  return expandInstances(specOf(fields))[0];
}

/**
 * A spawned child that exits only when the test says so (`exit`) or when a
 * signal sent to its group kills it: by default every signal does; `ignore`
 * makes it survive one.
 */
export class FakeChild implements ChildHandle {
  readonly exited: Promise<ChildExit>;
  exitedWith: ChildExit | null = null;
  private readonly ignored = new Set<string>();
  private readonly listeners: ((stream: OutputStream, chunk: Buffer) => void)[] = [];
  private resolveExit!: (exit: ChildExit) => void;

  constructor(
    readonly pid: number,
    readonly startTime: string | null,
    readonly request: LaunchRequest,
  ) {
    this.exited = new Promise<ChildExit>((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get pgid(): number {
    return this.pid;
  }

  get alive(): boolean {
    return this.exitedWith === null;
  }

  /** Ends the child as if the OS reported its exit; a second call does nothing. */
  exit(code: number | null, signal: string | null = null): void {
    if (this.exitedWith) return;
    this.exitedWith = { code, signal };
    this.resolveExit(this.exitedWith);
  }

  ignore(signal: string): this {
    this.ignored.add(signal);
    return this;
  }

  /** What the child does when its group gets `signal`. */
  receive(signal: string): void {
    if (!this.ignored.has(signal)) this.exit(null, signal);
  }

  private readonly readyListeners: (() => void)[] = [];

  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /** What `process.send('ready')` in a `wait_ready` child does. */
  sendReady(): void {
    for (const listener of this.readyListeners) listener();
  }
}

/**
 * Launches FakeChildren (pids from 1000 up, start time `t<pid>`), records every
 * request and group signal. A group lives while its leader does, unless the
 * test says otherwise with `setGroupAlive`; `setStartTime` makes a pid name
 * another process (or none).
 */
export class FakeLauncher implements IProcessLauncher {
  bootId: string | null = 'boot-A';
  readonly requests: LaunchRequest[] = [];
  readonly children: FakeChild[] = [];
  readonly signals: { pgid: number; signal: string }[] = [];
  /** Signals that end a group kept alive by `setGroupAlive` (its leader is gone or was never ours). */
  readonly groupDiesOn = new Set<string>(['SIGKILL']);
  /** Called for each new child before launch returns, e.g. to make it ignore SIGTERM. */
  onLaunch: (child: FakeChild) => void = () => undefined;
  private readonly failures: Error[] = [];
  private readonly groupOverrides = new Map<number, boolean>();
  private readonly startTimeOverrides = new Map<number, string | null>();
  private gate: Deferred<void> | null = null;
  private nextPid = 1000;

  get launchCount(): number {
    return this.requests.length;
  }

  /** The newest child. */
  get last(): FakeChild {
    const child = this.children.at(-1);
    if (!child) throw new Error('nothing was launched');
    return child;
  }

  async launch(request: LaunchRequest): Promise<ChildHandle> {
    this.requests.push(request);
    if (this.gate) await this.gate.promise;
    const failure = this.failures.shift();
    if (failure) throw failure;
    const pid = this.nextPid++;
    const child = new FakeChild(pid, `t${pid}`, request);
    this.children.push(child);
    this.onLaunch(child);
    return child;
  }

  /** The next launch throws `error` (by default the OS refusing the command). */
  failNextLaunch(error: Error = new LaunchError('spawn node ENOENT')): void {
    this.failures.push(error);
  }

  /** Launches wait until the returned function is called. */
  holdLaunches(): () => void {
    const gate = new Deferred<void>();
    this.gate = gate;
    return () => {
      this.gate = null;
      gate.resolve();
    };
  }

  signalGroup(pgid: number, signal: string): boolean {
    const alive = this.groupAlive(pgid);
    this.signals.push({ pgid, signal });
    const child = this.children.find((c) => c.pid === pgid);
    if (child?.alive) child.receive(signal);
    if (this.groupOverrides.get(pgid) && this.groupDiesOn.has(signal)) this.groupOverrides.set(pgid, false);
    return alive;
  }

  groupAlive(pgid: number): boolean {
    const override = this.groupOverrides.get(pgid);
    if (override !== undefined) return override;
    return this.children.some((c) => c.pid === pgid && c.alive);
  }

  startTimeOf(pid: number): string | null {
    if (this.startTimeOverrides.has(pid)) return this.startTimeOverrides.get(pid)!;
    const child = this.children.find((c) => c.pid === pid);
    return child?.alive ? child.startTime : null;
  }

  setGroupAlive(pgid: number, alive: boolean): void {
    this.groupOverrides.set(pgid, alive);
  }

  setStartTime(pid: number, startTime: string | null): void {
    this.startTimeOverrides.set(pid, startTime);
  }

  signalsTo(pgid: number): string[] {
    return this.signals.filter((s) => s.pgid === pgid).map((s) => s.signal);
  }
}

/** Answers with the queued results in order, then with `fallback`. */
export class FakeProbe implements IReadinessProbe {
  readonly checks: { target: ResolvedProbeTarget; timeoutMs: number }[] = [];
  fallback = false;
  private readonly queued: boolean[] = [];

  async check(target: ResolvedProbeTarget, timeoutMs: number): Promise<boolean> {
    this.checks.push({ target, timeoutMs });
    return this.queued.shift() ?? this.fallback;
  }

  answer(...results: boolean[]): void {
    this.queued.push(...results);
  }
}

/** Output written by a test, as text per process; follow delivers what is written later. */
export class InMemoryOutputStore implements IOutputStore {
  readonly chunks: { name: string; stream: OutputStream; text: string }[] = [];
  closed = false;
  private readonly followers: { name: string; onLine: (line: LogLine) => void }[] = [];
  private readonly lines: { name: string; line: LogLine }[] = [];

  write(name: string, stream: OutputStream, text: string): void {
    this.chunks.push({ name, stream, text });
    for (const part of text.split('\n').slice(0, -1)) {
      const line: LogLine = { seq: this.lastSeq(name) + 1, time: new Date(0).toISOString(), stream, text: part };
      this.lines.push({ name, line });
      for (const f of this.followers) if (f.name === name) f.onLine(line);
    }
  }

  async tail(name: string, lines: number): Promise<string[]> {
    const all = this.chunks
      .filter((c) => c.name === name)
      .map((c) => c.text)
      .join('')
      .split('\n')
      .filter((line) => line !== '');
    return lines <= 0 ? [] : all.slice(-lines);
  }

  lastSeq(name: string): number {
    return this.lines.filter((l) => l.name === name).length;
  }

  /** Replays the lines after `afterSeq`, then delivers what is written later. */
  follow(name: string, from: number | 'now', onLine: (line: LogLine) => void): () => void {
    if (from !== 'now') this.lines.filter((l) => l.name === name && l.line.seq > from).forEach((l) => onLine(l.line));
    const entry = { name, onLine };
    this.followers.push(entry);
    return () => this.followers.splice(this.followers.indexOf(entry), 1);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The registry in memory, with a journal of every put and remove. */
export class InMemoryChildRegistry implements IChildRegistry {
  readonly journal: string[] = [];
  private records: ChildRecord[];

  constructor(records: ChildRecord[] = []) {
    this.records = [...records];
  }

  put(record: ChildRecord): void {
    this.journal.push(`put ${record.name} ${record.pid}`);
    this.records = [...this.records.filter((r) => r.name !== record.name), record];
  }

  remove(name: string, pid: number): void {
    this.journal.push(`remove ${name} ${pid}`);
    this.records = this.records.filter((r) => !(r.name === name && r.pid === pid));
  }

  list(): ChildRecord[] {
    return [...this.records];
  }
}

/** IGroupUsageReader answering what the test set per group; `reads` counts the passes. */
export class FakeGroupUsageReader implements IGroupUsageReader {
  readonly groups = new Map<number, GroupMemberUsage[]>();
  reads = 0;
  /** The next read throws this. */
  failWith: Error | null = null;
  /** Answer null (no /proc here). */
  unsupported = false;

  /** The group `pgid` is one process using `rssBytes` and `cpuSeconds`. */
  setGroup(pgid: number, rssBytes: number, cpuSeconds = 0): void {
    this.groups.set(pgid, [{ pid: pgid, cpuSeconds, rssBytes }]);
  }

  read(pgids: ReadonlySet<number>): ReadonlyMap<number, readonly GroupMemberUsage[]> | null {
    this.reads += 1;
    if (this.failWith) throw this.failWith;
    if (this.unsupported) return null;
    return new Map([...this.groups].filter(([pgid]) => pgids.has(pgid)));
  }
}
