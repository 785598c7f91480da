import type { ChildRecord, IChildRegistry } from '../application/ports/child-registry.port.js';
import type { IFileSystem } from '../../lifecycle/application/ports/file-system.port.js';
import { MAX_RECORDS, recordProblem } from './child-record.validation.js';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';

/** How this registry is named in storage health and its log lines. */
export const CHILD_RECORDS = 'child records';

/**
 * Durable records of running children in one JSON file, rewritten atomically on the next turn of
 * the event loop after a change, in one write for every change of that turn (a crash restart takes
 * the old child's record out and puts the new one's in with one write). Not before put returns,
 * and on a timer, not an immediate: the write (1-6 ms measured right after a spawn) would otherwise
 * sit between a crash and its replacement being reported running, in the same check phase ahead of
 * the event recorder's flush. A record only ever names a child in the next start's log (the owner
 * marker proves what to reap, and the lifeline takes a child down with its backend), so a backend
 * killed before a change is written leaves a log line that is one child behind, nothing more.
 * When the disk is full (or failing) a change is kept in memory, reported to
 * storage health, and the whole file is rewritten by the next change or by a
 * retry every `retryMs`, so the file becomes true again once space returns.
 */
export class JsonChildRegistry implements IChildRegistry {
  private records: ChildRecord[];
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** A change not written yet (see persistSoon). */
  private soon: ReturnType<typeof setTimeout> | null = null;

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
    this.persistSoon();
  }

  remove(name: string, pid: number): void {
    const before = this.records.length;
    this.records = this.records.filter((r) => !(r.name === name && r.pid === pid));
    if (this.records.length !== before) this.persistSoon();
  }

  list(): ChildRecord[] {
    return [...this.records];
  }

  /** Every valid record; each bad one is dropped with one log line naming the field. */
  private read(): ChildRecord[] {
    let text: string | null;
    try {
      text = this.fs.readText(this.path);
    } catch (error) {
      this.log(`Cannot read ${this.path} (${(error as NodeJS.ErrnoException).code}); starting with no records`);
      return [];
    }
    if (text === null) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.log(`${this.path} is not valid JSON (${(error as Error).message}); ignoring its records, strays are still found by their marker`);
      return [];
    }
    const children = (parsed as { children?: unknown } | null)?.children;
    if (!Array.isArray(children)) {
      this.log(`${this.path} has no "children" list; ignoring it`);
      return [];
    }
    if (children.length > MAX_RECORDS) this.log(`${this.path} holds ${children.length} records; reading only the first ${MAX_RECORDS}`);
    const records: ChildRecord[] = [];
    children.slice(0, MAX_RECORDS).forEach((value: unknown, index) => {
      const problem = recordProblem(value);
      if (problem) this.log(`${this.path}: dropping children[${index}]: ${problem}`);
      else records.push(knownFields(value as ChildRecord));
    });
    return records;
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
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    try {
      this.write();
    } catch (error) {
      // This runs inside a child's exit handler: nothing may escape it. Not only a full disk:
      // a directory or a file without permission planted at the path fails the same way.
      if (!isStorageError(error)) this.logOnce(error);
      this.storage?.failed(CHILD_RECORDS, error);
      this.scheduleRetry();
      return;
    }
    this.cancelRetry();
    this.loggedError = null;
    this.storage?.succeeded(CHILD_RECORDS);
  }

  /**
   * One write for every change of this turn. A 0 ms timer fires in the next turn's timers phase,
   * after this turn's immediates (the event recorder's flush, which tells the SSE streams).
   */
  private persistSoon(): void {
    this.soon ??= setTimeout(() => {
      this.soon = null;
      this.persist();
    }, 0);
  }

  private loggedError: string | null = null;

  private logOnce(error: unknown): void {
    // Keyed by the code: the message names a fresh temp file each time.
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);
    if (code === this.loggedError) return;
    this.loggedError = code;
    this.log(`Cannot write ${this.path} (${code}): ${(error as Error).message}; the records stay in memory and are written once it works`);
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

/** Only the fields a record has: whatever else a forged file holds is not kept. */
function knownFields(r: ChildRecord): ChildRecord {
  return { name: r.name, pid: r.pid, pgid: r.pgid, startTime: r.startTime, bootId: r.bootId, ownerInstanceId: r.ownerInstanceId, startedAt: r.startedAt };
}
