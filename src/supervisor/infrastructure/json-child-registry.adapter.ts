import type { ChildRecord, IChildRegistry } from '../application/ports/child-registry.port.js';
import type { IFileSystem } from '../../lifecycle/application/ports/file-system.port.js';
import { MAX_RECORDS, recordProblem } from './child-record.validation.js';

/**
 * Durable records of running children in one JSON file, rewritten atomically
 * on every change, so a backend killed with SIGKILL leaves a true list behind.
 */
export class JsonChildRegistry implements IChildRegistry {
  private records: ChildRecord[];

  constructor(
    private readonly path: string,
    private readonly fs: IFileSystem,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.records = this.read();
  }

  put(record: ChildRecord): void {
    this.records = [...this.records.filter((r) => r.name !== record.name), record];
    this.write();
  }

  remove(name: string, pid: number): void {
    const before = this.records.length;
    this.records = this.records.filter((r) => !(r.name === name && r.pid === pid));
    if (this.records.length !== before) this.write();
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

  private write(): void {
    this.fs.writeAtomic(this.path, `${JSON.stringify({ children: this.records }, null, 2)}\n`);
  }
}

/** Only the fields a record has: whatever else a forged file holds is not kept. */
function knownFields(r: ChildRecord): ChildRecord {
  return { name: r.name, pid: r.pid, pgid: r.pgid, startTime: r.startTime, bootId: r.bootId, ownerInstanceId: r.ownerInstanceId, startedAt: r.startedAt };
}
