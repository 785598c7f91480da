import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageHealth } from '../src/lifecycle/application/storage-health.service.js';
import { NodeFileSystem } from '../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { JsonLinesEventSink } from '../src/history/infrastructure/json-lines-event.sink.js';
import type { StoredEvent } from '../src/history/domain/stored-event.js';
import { RotatingOutputStore } from '../src/supervisor/infrastructure/rotating-output.store.js';
import { waitFor } from './support/harness.js';
import { mountSmallDisk, type SmallDisk } from './support/tmpfs.js';

let disk: SmallDisk;
let dir: string;
let storage: StorageHealth;
let logged: string[];
let n = 0;

beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => disk?.unmount());
beforeEach(() => {
  dir = join(disk.dir, `case-${++n}`);
  mkdirSync(dir);
  logged = [];
  storage = new StorageHealth({ error: (m: string) => logged.push(m), log: (m: string) => logged.push(m) } as never);
});
afterEach(() => disk.free());

const components = () => storage.problems().map((p) => `${p.component}: ${p.reason.split(':')[0]}`);

describe('writes on a real full tmpfs', () => {
  describe('NodeFileSystem.writeAtomic', () => {
    it('fails with ENOSPC, leaves the old file as it was and no temp file behind, and works once space is back', () => {
      const fs = new NodeFileSystem();
      const path = join(dir, 'children.json');
      fs.writeAtomic(path, 'old\n');
      disk.fill();

      expect(() => fs.writeAtomic(path, `${'x'.repeat(20000)}\n`)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
      expect(readdirSync(dir)).toEqual(['children.json']);
      expect(readFileSync(path, 'utf8')).toBe('old\n');

      disk.free();
      fs.writeAtomic(path, 'new\n');
      expect(readFileSync(path, 'utf8')).toBe('new\n');
      expect(readdirSync(dir)).toEqual(['children.json']);
    });
  });

  describe('RotatingOutputStore', () => {
    it('drops and counts output while full, reports it once, then marks the gap and writes again by itself', async () => {
      const log = join(dir, 'logs');
      const store = new RotatingOutputStore({ dir: log, storage, retryMs: 50, log: (m) => logged.push(m) });
      store.append('web', 'stdout', Buffer.from('before\n'));
      disk.fill();

      // More than the slack of the file's last page: the file must fail.
      for (let i = 0; i < 100; i++) store.append('web', 'stdout', Buffer.from(`full ${i} ${'y'.repeat(100)}\n`));
      expect(components()).toEqual(['process logs: ENOSPC']);
      expect(logged.filter((l) => l.startsWith('Cannot write process logs'))).toHaveLength(1);
      expect(store.tail('web', 1)[0]).toContain('full 99');

      disk.free();
      await waitFor(() => storage.problems().length === 0, 'the process logs to work again');
      store.append('web', 'stdout', Buffer.from('after\n'));
      await store.close();

      const text = readFileSync(join(log, 'web.log'), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      expect(lines[0]).toMatch(/ stdout before$/);
      const mark = lines.find((l) => / procguard \d+ line\(s\) of output dropped/.test(l))!;
      // A line torn by the full disk counts as dropped; only whole ones count as written.
      const written = lines.filter((l) => / stdout full \d+ y{100}$/.test(l)).length;
      expect(Number(/procguard (\d+) line/.exec(mark)![1]) + written).toBe(100);
      expect(lines.at(-1)).toMatch(/ stdout after$/);
      // Every line is whole: a torn write is finished by a newline before the mark.
      for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (stdout|stderr|procguard) /);
      expect(logged.filter((l) => l.startsWith('Writing process logs works again'))).toHaveLength(1);
    });
  });

  describe('JsonLinesEventSink', () => {
    const eventOf = (id: number): StoredEvent => ({
      id,
      name: 'web',
      index: 1,
      from: 'running',
      to: 'backoff',
      pid: 1000,
      exitCode: 1,
      signal: null,
      reason: `event ${id} ${'z'.repeat(200)}`,
      at: '2024-01-01T00:00:00.000Z',
      backendInstanceId: 'instance-1',
    });

    it('never throws while full, keeps the events, and writes them, whole and in order, once space is back', async () => {
      const path = join(dir, 'events.jsonl');
      const sink = new JsonLinesEventSink(path, undefined, { storage, retryMs: 50, backlogLimit: 1000 });
      sink.write([eventOf(1)]);
      disk.fill();

      for (let id = 2; id <= 60; id++) expect(() => sink.write([eventOf(id)])).not.toThrow();
      expect(components()).toEqual(['events file: ENOSPC']);

      disk.free();
      await waitFor(() => storage.problems().length === 0, 'the events file to work again');
      sink.write([eventOf(61)]);
      sink.close();

      const ids = readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          try {
            return (JSON.parse(line) as StoredEvent).id;
          } catch {
            return null; // the torn end of a write that hit the full disk
          }
        });
      const whole = ids.filter((id): id is number => id !== null);
      expect(ids.filter((id) => id === null).length).toBeLessThanOrEqual(1);
      // Nothing is lost or doubled: each event is in the file once, in order, written then or from the backlog.
      expect(whole).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    });
  });
});
