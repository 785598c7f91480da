import type { ChildRecord, IChildRegistry } from '../application/ports/child-registry.port.js';
import type { IFileSystem } from '../../lifecycle/application/ports/file-system.port.js';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';

/** How this registry is named in storage health and its log lines. */
export const CHILD_RECORDS = 'child records';

/**
 * Durable records of running children in one JSON file, rewritten atomically
 * on every change, so a backend killed with SIGKILL leaves a true list behind.
 * When the disk is full (or failing) a change is kept in memory, reported to
 * storage health, and the whole file is rewritten by the next change or by a
 * retry every `retryMs`, so the file becomes true again once space returns.
 */
export class JsonChildRegistry implements IChildRegistry {
  private records: ChildRecord[];
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly path: string,
    private readonly fs: IFileSystem,
    private readonly log: (message: string) => void = () => undefined,
    private readonly storage?: IStorageHealth,
    private readonly retryMs = 2000,
  ) {
    this.records = this.read();
  }

  put(record: ChildRecord): void {
    this.records = [...this.records.filter((r) => r.name !== record.name), record];
    this.persist();
  }

  remove(name: string, pid: number): void {
    const before = this.records.length;
    this.records = this.records.filter((r) => !(r.name === name && r.pid === pid));
    if (this.records.length !== before) this.persist();
  }

  list(): ChildRecord[] {
    return [...this.records];
  }

  private read(): ChildRecord[] {
    let text: string | null;
    try {
      text = this.fs.readText(this.path);
    } catch (error) {
      this.log(`Cannot read ${this.path} (${(error as NodeJS.ErrnoException).code}); starting with no records`);
      return [];
    }
    if (text === null) return [];
    try {
      const parsed = JSON.parse(text) as { children?: unknown };
      return Array.isArray(parsed.children) ? parsed.children.filter(isRecord) : [];
    } catch {
      this.log(`${this.path} is not valid JSON; starting with no records`);
      return [];
    }
  }

  /** True while the file on disk is behind the records in memory (a write failed). */
  get pendingWrite(): boolean {
    return this.retry !== null;
  }

  /**
   * Writes the current records. A storage error (ENOSPC, EIO…) is reported and retried,
   * never thrown: this runs inside a child's exit handler. Any other error is a bug and is thrown.
   */
  private persist(): void {
    try {
      this.write();
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.storage?.failed(CHILD_RECORDS, error);
      this.scheduleRetry();
      return;
    }
    this.cancelRetry();
    this.storage?.succeeded(CHILD_RECORDS);
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      try {
        this.persist();
      } catch (error) {
        // Thrown out of a timer it would end the backend; the next change writes again.
        this.log(`Cannot write ${this.path}: ${(error as Error).message}`);
      }
    }, this.retryMs);
    // A pending rewrite must not keep a stopping backend alive.
    this.retry.unref();
  }

  private cancelRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private write(): void {
    this.fs.writeAtomic(this.path, `${JSON.stringify({ children: this.records }, null, 2)}\n`);
  }
}

function isRecord(value: unknown): value is ChildRecord {
  const r = value as Record<string, unknown>;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    Number.isInteger(r.pid) &&
    Number.isInteger(r.pgid) &&
    typeof r.ownerInstanceId === 'string'
  );
}
