import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageHealth } from '../src/lifecycle/application/storage-health.service.js';
import { NodeFileSystem } from '../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { JsonLinesEventSink } from '../src/history/infrastructure/json-lines-event.sink.js';
import type { StoredEvent } from '../src/history/domain/stored-event.js';
import { RotatingLogFile } from '../src/supervisor/infrastructure/log-writer/rotating-log-file.js';
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

  describe('RotatingLogFile (the log writer\'s files)', () => {
    // The log writer writes a line's held start and the chunk that ends it as two parts (one writev).
    const asOne = (file: RotatingLogFile, line: string) => file.write(Buffer.from(line));
    const asParts = (file: RotatingLogFile, line: string) => file.write(Buffer.from(line.slice(0, 7)), Buffer.from(line.slice(7)));
    it.each([
      ['one buffer', asOne],
      ['two parts', asParts],
    ])('drops and counts output while full, reports it once, then marks the gap and writes again by itself (%s a write)', async (_, write) => {
      const path = join(dir, 'logs', 'web.log');
      const events: string[] = [];
      const file = new RotatingLogFile(path, 5 * 1024 * 1024, 3, {
        unusable: (p, reason) => events.push(`unusable ${reason}`),
        storage: (p, error) => events.push(error === null ? 'ok' : `failed ${(error as NodeJS.ErrnoException).code}`),
      });
      file.write(Buffer.from('before\n'));
      disk.fill();

      // More than the slack of the file's last page: the file must fail.
      for (let i = 0; i < 100; i++) write(file, `full ${i} ${'y'.repeat(100)}\n`);
      expect(events).toEqual(['failed ENOSPC']);

      disk.free();
      // The next write after the retry pause reopens the file and marks the gap.
      await waitFor(() => {
        file.write(Buffer.from('after\n'));
        return events.includes('ok');
      }, 'the log file to work again');
      file.close();

      const text = readFileSync(path, 'utf8');
      const lines = text.split('\n').filter(Boolean);
      expect(lines[0]).toBe('before');
      const mark = lines.find((l) => /^procguard: \d+ byte\(s\) of output dropped/.test(l))!;
      const writtenBytes = lines.filter((l) => /^full \d+ y{100}$/.test(l)).reduce((n, l) => n + l.length + 1, 0);
      // What reached the file plus what the mark counts is everything written while full (torn bytes count as dropped).
      expect(Number(/(\d+) byte/.exec(mark)![1]) + writtenBytes).toBeGreaterThanOrEqual(100 * 108);
      expect(lines.at(-1)).toBe('after');
      expect(events).toEqual(['failed ENOSPC', 'ok']);
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
