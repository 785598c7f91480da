import type { ChildRecord, IChildRegistry } from '../application/ports/child-registry.port.js';
import type { IFileSystem } from '../../lifecycle/application/ports/file-system.port.js';

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
