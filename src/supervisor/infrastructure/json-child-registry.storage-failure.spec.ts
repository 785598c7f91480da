import { jest } from '@jest/globals';
import type { FileStat, IFileSystem } from '../../lifecycle/application/ports/file-system.port.js';
import { StorageHealth } from '../../lifecycle/application/storage-health.service.js';
import { InMemoryFileSystem } from '../../lifecycle/infrastructure/testing/in-memory-file-system.js';
import type { ChildRecord } from '../application/ports/child-registry.port.js';
import { CHILD_RECORDS, JsonChildRegistry } from './json-child-registry.adapter.js';

/** An in-memory disk whose writes fail with `failWith` (ENOSPC…) until it is cleared. */
class FlakyDisk implements IFileSystem {
  readonly inner = new InMemoryFileSystem().addDir('/data');
  failWith: string | null = null;
  writes = 0;

  stat(path: string): FileStat | null {
    return this.inner.stat(path);
  }
  readText(path: string): string | null {
    return this.inner.readText(path);
  }
  writeAtomic(path: string, text: string): void {
    this.writes += 1;
    if (this.failWith) throw Object.assign(new Error(`${this.failWith}: write '${path}'`), { code: this.failWith });
    this.inner.writeAtomic(path, text);
  }
  remove(path: string): void {
    this.inner.remove(path);
  }
  removeDir(path: string): void {
    this.inner.removeDir(path);
  }
  ensureWritableDir(path: string): void {
    this.inner.ensureWritableDir(path);
  }
}

const PATH = '/data/children.json';
const recordOf = (name: string, pid: number): ChildRecord => ({
  name,
  pid,
  pgid: pid,
  startTime: '1',
  bootId: 'boot',
  ownerInstanceId: 'me',
  startedAt: '2024-01-01T00:00:00.000Z',
});
const onDisk = (disk: FlakyDisk) => (JSON.parse(disk.inner.readText(PATH) ?? '{"children":[]}') as { children: ChildRecord[] }).children;

describe('JsonChildRegistry on a failing disk', () => {
  let disk: FlakyDisk;
  let logged: string[];
  let storage: StorageHealth;
  let registry: JsonChildRegistry;

  beforeEach(() => {
    jest.useFakeTimers();
    disk = new FlakyDisk();
    logged = [];
    storage = new StorageHealth({ error: (m: string) => logged.push(m), log: (m: string) => logged.push(m) } as never);
    registry = new JsonChildRegistry(PATH, disk, () => undefined, storage, 1000);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when a put or remove meets ENOSPC', () => {
    it('does not throw, keeps the change in memory and reports the outage once', () => {
      registry.put(recordOf('web', 10));
      // A change is written on the next turn of the event loop.
      jest.advanceTimersByTime(0);
      disk.failWith = 'ENOSPC';

      expect(() => registry.put(recordOf('worker', 11))).not.toThrow();
      jest.advanceTimersByTime(0);
      expect(() => registry.remove('web', 10)).not.toThrow();
      jest.advanceTimersByTime(0);

      expect(registry.list().map((r) => r.name)).toEqual(['worker']);
      expect(onDisk(disk).map((r) => r.name)).toEqual(['web']);
      expect(storage.problems()).toEqual([expect.objectContaining({ component: CHILD_RECORDS, failures: 2 })]);
      expect(logged.filter((l) => l.startsWith('Cannot write child records'))).toHaveLength(1);
      expect(registry.pendingWrite).toBe(true);
    });
  });

  describe('when space returns and nothing else changes', () => {
    it('rewrites the file on the retry timer and clears the problem', () => {
      registry.put(recordOf('web', 10));
      jest.advanceTimersByTime(0);
      disk.failWith = 'EIO';
      registry.remove('web', 10);
      jest.advanceTimersByTime(1000);
      expect(onDisk(disk).map((r) => r.name)).toEqual(['web']);

      disk.failWith = null;
      jest.advanceTimersByTime(1000);

      expect(onDisk(disk)).toEqual([]);
      expect(storage.problems()).toEqual([]);
      expect(registry.pendingWrite).toBe(false);
      expect(logged.filter((l) => l.startsWith('Writing child records works again'))).toHaveLength(1);
    });
  });

  describe('when the next change comes before the timer', () => {
    it('writes the whole current list and stops retrying', () => {
      disk.failWith = 'ENOSPC';
      registry.put(recordOf('web', 10));
      jest.advanceTimersByTime(0);
      disk.failWith = null;

      registry.put(recordOf('worker', 11));
      jest.advanceTimersByTime(0);
      const writes = disk.writes;
      jest.advanceTimersByTime(5000);

      expect(onDisk(disk).map((r) => r.name)).toEqual(['web', 'worker']);
      expect(disk.writes).toBe(writes);
      expect(storage.problems()).toEqual([]);
    });
  });

  describe('when the write fails for a reason that is not the disk (a directory or no permission at the path)', () => {
    it('never throws out of the exit handler: logs it once, reports it and retries until it works', () => {
      const lines: string[] = [];
      registry = new JsonChildRegistry(PATH, disk, (m) => lines.push(m), storage, 1000);
      disk.failWith = 'EACCES';

      expect(() => registry.put(recordOf('web', 10))).not.toThrow();
      expect(() => jest.advanceTimersByTime(0)).not.toThrow();
      expect(() => registry.put(recordOf('api', 11))).not.toThrow();
      expect(() => jest.advanceTimersByTime(0)).not.toThrow();
      expect(lines.filter((l) => l.includes('EACCES'))).toHaveLength(1);
      expect(storage.problems().map((p) => p.component)).toEqual(['child records']);

      disk.failWith = null;
      jest.advanceTimersByTime(1000);
      expect(onDisk(disk).map((r) => r.name)).toEqual(['web', 'api']);
      expect(storage.problems()).toEqual([]);
    });
  });
});
