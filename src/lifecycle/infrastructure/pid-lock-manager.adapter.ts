import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type * as ProperLockfile from 'proper-lockfile';
import type { IFileSystem } from '../application/ports/file-system.port.js';
import type {
  IInstanceLockManager,
  LockRequest,
  TerminateOutcome,
} from '../application/ports/instance-lock-manager.port.js';
import { DataDirectoryError, InstanceAlreadyRunningError, LockCompromisedError } from '../domain/lifecycle.errors.js';
import { ProcessLock } from '../domain/process-lock.value-object.js';
import { generationOf, LockInspector, lockPathsFor, type LockPaths, type LockVerdict } from './lock-inspector.js';
import type { ProcessUtils } from './process-utils.js';

export interface PidLockManagerOptions {
  readonly pidFilePath: string;
  readonly fs: IFileSystem;
  readonly processes: ProcessUtils;
  /** How often the holder checks that the PID file and lock are still its own. @default 1000 */
  readonly verifyIntervalMs?: number;
  /** A lock with no PID file describing it is stale once unrefreshed this long. @default 3000 */
  readonly unrefreshedMs?: number;
  readonly log?: (level: 'warn' | 'error', message: string) => void;
}

type Lockfile = typeof ProperLockfile;
let lockfileModule: Lockfile | null = null;

/**
 * proper-lockfile (with graceful-fs and signal-exit) costs ~14 ms to load: a
 * refusal proven from the PID file alone never pays for it.
 */
async function loadLockfile(): Promise<Lockfile> {
  if (!lockfileModule) {
    const imported = (await import('proper-lockfile')) as Lockfile & { default?: Lockfile };
    lockfileModule = imported.default ?? imported;
  }
  return lockfileModule;
}

/** proper-lockfile's own mtime staleness would break a live holder after a long stall; we prove staleness ourselves. */
const NEVER_STALE_MS = 2 ** 31 - 1;
const REFRESH_MS = 1000;

/**
 * The instance lock: proper-lockfile's atomic `mkdir` lock directory, plus a
 * PID file (written atomically) that names the holder and the lock generation.
 */
export class PidLockManager implements IInstanceLockManager {
  private readonly paths: LockPaths;
  private readonly inspector: LockInspector;
  private held: { record: ProcessLock; release: (() => Promise<void>) | null } | null = null;
  private monitor: ReturnType<typeof setInterval> | null = null;
  private compromised = false;

  constructor(private readonly options: PidLockManagerOptions) {
    this.paths = lockPathsFor(options.pidFilePath);
    this.inspector = new LockInspector(this.paths, options.fs, options.processes, options.unrefreshedMs ?? 3000);
  }

  get pidFilePath(): string {
    return this.paths.pidFile;
  }

  async hasRunningInstance(): Promise<boolean> {
    const verdict = this.inspector.inspect();
    return verdict.kind === 'held' || verdict.kind === 'unsettled';
  }

  async getCurrentLock(): Promise<ProcessLock | null> {
    const verdict = this.inspector.inspect();
    return verdict.kind === 'held' ? verdict.holder : null;
  }

  async acquireLock(request: LockRequest): Promise<ProcessLock> {
    this.options.fs.ensureWritableDir(dirname(this.paths.pidFile));
    if (request.inheritFrom) return this.inherit(request);
    // Long enough for a dead holder's lock (no PID file) to age past `unrefreshedMs`.
    const first = this.inspector.inspect();
    if (first.kind === 'held') throw new InstanceAlreadyRunningError(first.holder, first.reason);
    const deadline = Date.now() + (this.options.unrefreshedMs ?? 3000) + 1500;
    let lastVerdict: LockVerdict = first;
    while (Date.now() < deadline) {
      const taken = await this.tryTake(request);
      if (taken) return taken;
      lastVerdict = this.inspector.inspect();
      switch (lastVerdict.kind) {
        case 'held':
          throw new InstanceAlreadyRunningError(lastVerdict.holder, lastVerdict.reason);
        case 'unusable':
          throw new DataDirectoryError(lastVerdict.reason);
        case 'stale': {
          const broken = await this.breakStale(lastVerdict, request);
          if (broken) return broken;
          break;
        }
        case 'unsettled':
          await delay(15);
          break;
        case 'free':
          break;
      }
    }
    const holder = 'holder' in lastVerdict ? lastVerdict.holder : null;
    throw new InstanceAlreadyRunningError(holder, 'reason' in lastVerdict ? lastVerdict.reason : 'lock is busy');
  }

  async releaseLock(): Promise<void> {
    await this.detach()?.();
  }

  releaseLockSync(): void {
    if (!this.detach()) return;
    try {
      lockfileModule?.unlockSync(this.paths.pidFile, { realpath: false, lockfilePath: this.paths.lockDir });
    } catch {
      // Already gone (compromised) or released by proper-lockfile's own exit hook.
    }
  }

  /**
   * Forgets the held lock and removes our PID file; returns the lock directory's
   * release, or null when there is nothing of ours left to release (inherited, compromised).
   */
  private detach(): (() => Promise<void>) | null {
    const held = this.held;
    if (!held) return null;
    this.stopMonitor();
    this.held = null;
    if (!held.release) return null;
    this.removeOwnPidFile(held.record);
    return held.release;
  }

  async cleanupStaleLock(): Promise<boolean> {
    const verdict = this.inspector.inspect();
    if (verdict.kind !== 'stale') return false;
    return (await this.withGate(() => this.removeIfStill(verdict))) ?? false;
  }

  async terminateProcess(
    pid: number,
    options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
  ): Promise<TerminateOutcome> {
    const { record } = this.inspector.readRecord();
    if (!record || record.pid !== pid) return { pid, result: 'refused' };
    const liveness = this.inspector.liveness(record);
    if (liveness === 'dead') return { pid, result: 'absent' };
    if (liveness !== 'alive') return { pid, result: 'refused' };
    const processes = this.options.processes;
    if (!processes.signal(pid, options.signal ?? 'SIGTERM')) return { pid, result: 'absent' };
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (Date.now() < deadline) {
      if (this.inspector.liveness(record) !== 'alive') return { pid, result: 'exited' };
      await delay(20);
    }
    if (this.inspector.liveness(record) !== 'alive') return { pid, result: 'exited' };
    processes.signal(pid, 'SIGKILL');
    return { pid, result: 'killed' };
  }

  /** One attempt at proper-lockfile's mkdir; on success, records us in the PID file. */
  private async tryTake(request: LockRequest): Promise<ProcessLock | null> {
    const lockfile = await loadLockfile();
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.paths.pidFile, {
        realpath: false,
        lockfilePath: this.paths.lockDir,
        stale: NEVER_STALE_MS,
        update: REFRESH_MS,
        onCompromised: (error) => this.onCompromised(request, error),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return null;
      throw error;
    }
    try {
      const lockStat = this.options.fs.stat(this.paths.lockDir);
      if (!lockStat) throw new LockCompromisedError('lock directory vanished right after it was taken');
      this.refuseIfLiveHolderLostItsLock();
      const record = this.describeSelf(request).withGeneration(generationOf(lockStat));
      this.options.fs.writeAtomic(this.paths.pidFile, `${JSON.stringify(record)}\n`);
      this.held = { record, release };
      this.startMonitor(request);
      return record;
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The lock directory was free, yet the PID file may name a live process whose
   * exact identity matches: its lock directory was deleted under it. Never
   * start a second instance beside it; it will notice and stop.
   */
  private refuseIfLiveHolderLostItsLock(): void {
    const { record } = this.inspector.readRecord();
    if (record && this.inspector.liveness(record) === 'alive') {
      throw new InstanceAlreadyRunningError(record, 'holder is alive but its lock directory was removed');
    }
  }

  private async breakStale(verdict: LockVerdict & { kind: 'stale' }, request: LockRequest): Promise<ProcessLock | null> {
    return this.withGate(async () => {
      if (!this.removeIfStill(verdict)) return null;
      // Still inside the gate: no other breaker can judge our new lock by the old PID file.
      return this.tryTake(request);
    });
  }

  /** Removes the lock directory only if it is still the same stale generation we judged. */
  private removeIfStill(verdict: LockVerdict & { kind: 'stale' }): boolean {
    const again = this.inspector.inspect();
    if (again.kind !== 'stale') return false;
    if (again.lock.ino !== verdict.lock.ino || again.lock.birthtimeNs !== verdict.lock.birthtimeNs) return false;
    this.options.log?.('warn', `Removing stale instance lock: ${again.reason}`);
    this.options.fs.removeDir(this.paths.lockDir);
    return true;
  }

  private async withGate<T>(work: () => Promise<T> | T): Promise<T | null> {
    const lockfile = await loadLockfile();
    let release: () => Promise<void>;
    try {
      // A key of its own: proper-lockfile tracks held locks by file, and the gate must not replace the main lock's entry.
      release = await lockfile.lock(this.paths.gateDir, {
        realpath: false,
        lockfilePath: this.paths.gateDir,
        stale: 2000,
        retries: { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 100 },
        onCompromised: () => undefined,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return null;
      throw error;
    }
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private inherit(request: LockRequest): ProcessLock {
    const { record, problem } = this.inspector.readRecord();
    const token = request.inheritFrom;
    const processes = this.options.processes;
    if (
      !record ||
      record.role !== 'dev-session' ||
      record.instanceId !== token ||
      this.inspector.liveness(record) !== 'alive' ||
      (process.platform === 'linux' && !processes.isAncestor(record.pid, process.pid))
    ) {
      throw new InstanceAlreadyRunningError(
        record,
        `cannot inherit the lock of dev session ${token}: ${problem ?? 'it is not this process’s live ancestor'}`,
      );
    }
    this.held = { record, release: null };
    this.startMonitor(request);
    return record;
  }

  private describeSelf(request: LockRequest): ProcessLock {
    const self = this.options.processes.inspect(process.pid);
    return ProcessLock.create({
      pid: process.pid,
      startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
      port: request.port,
      host: request.host,
      nodeVersion: process.version,
      instanceId: randomUUID(),
      hostname: this.options.processes.hostname,
      bootId: this.options.processes.bootId(),
      processStartTime: self?.startTime ?? null,
      role: request.role,
      generation: null,
    });
  }

  /** Catches what proper-lockfile cannot see: a PID file replaced or removed under us. */
  private startMonitor(request: LockRequest): void {
    this.monitor = setInterval(() => {
      const held = this.held;
      if (!held) return;
      const { record } = this.inspector.readRecord();
      if (!record || !record.equals(held.record)) {
        this.onCompromised(request, new LockCompromisedError(`PID file ${this.paths.pidFile} was removed or rewritten by someone else`));
      } else if (!held.release && this.inspector.liveness(record) !== 'alive') {
        this.onCompromised(request, new LockCompromisedError(`dev session ${record.pid} that holds the lock is gone`));
      }
    }, this.options.verifyIntervalMs ?? 1000);
    this.monitor.unref();
  }

  private stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = null;
  }

  private onCompromised(request: LockRequest, error: Error): void {
    if (this.compromised || !this.held) return;
    this.compromised = true;
    this.stopMonitor();
    const held = this.held;
    // The lock is no longer ours: releasing it later must not delete a successor's files.
    this.held = { record: held.record, release: null };
    const wrapped = error instanceof LockCompromisedError ? error : new LockCompromisedError(error.message, { cause: error });
    this.options.log?.('error', `INSTANCE LOCK COMPROMISED: ${wrapped.message}`);
    request.onCompromised?.(wrapped);
  }

  private removeOwnPidFile(record: ProcessLock): void {
    const { record: onDisk } = this.inspector.readRecord();
    if (onDisk && onDisk.instanceId === record.instanceId) this.options.fs.remove(this.paths.pidFile);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
