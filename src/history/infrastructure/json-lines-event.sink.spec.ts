import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../domain/stored-event.js';
import { JsonLinesEventSink } from './json-lines-event.sink.js';

function eventOf(id: number, reason = `event ${id}`): StoredEvent {
  return {
    id,
    name: 'web',
    index: 1,
    from: 'running',
    to: 'backoff',
    pid: 1000 + id,
    exitCode: 1,
    signal: null,
    reason,
    at: '2024-01-01T00:00:00.000Z',
    backendInstanceId: 'instance-1',
  };
}

const lineOf = (event: StoredEvent) => `${JSON.stringify(event)}\n`;

describe('JsonLinesEventSink', () => {
  let dir: string;
  let path: string;
  const opened: JsonLinesEventSink[] = [];

  const open = (maxBytes?: number) => {
    const sink = new JsonLinesEventSink(path, maxBytes);
    opened.push(sink);
    return sink;
  };
  const read = (file = path) => fs.readFileSync(file, 'utf8');
  const parsed = (file = path) =>
    read(file)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as StoredEvent);

  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'procguard-events-'));
    path = join(dir, 'events.jsonl');
  });

  afterEach(() => {
    for (const sink of opened.splice(0)) sink.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when events are written', () => {
    it('writes one JSON line per event, batch after batch', () => {
      // Arrange
      const sink = open();
      const events = [eventOf(1), eventOf(2), eventOf(3, 'has\nnewline and "quotes"')];

      // Act
      sink.write(events.slice(0, 2));
      sink.write(events.slice(2));

      // Assert
      expect(read()).toBe(events.map(lineOf).join(''));
      expect(parsed()).toEqual(events);
    });

    it('creates the file with mode 0o640 (less the umask)', () => {
      // Arrange
      const sink = open();
      const umask = process.umask();

      // Act
      sink.write([eventOf(1)]);

      // Assert
      expect(fs.statSync(path).mode & 0o777).toBe(0o640 & ~umask);
    });
  });

  describe('when another instance writes to the same file later', () => {
    it('appends after what is there', () => {
      // Arrange
      const first = open();
      first.write([eventOf(1)]);
      first.close();
      const second = open();

      // Act
      second.write([eventOf(2)]);

      // Assert
      expect(parsed().map((e) => e.id)).toEqual([1, 2]);
    });

    it('counts what is there towards maxBytes', () => {
      // Arrange
      const bytes = Buffer.byteLength(lineOf(eventOf(1)));
      const first = open(bytes * 2);
      first.write([eventOf(1), eventOf(2)]);
      first.close();
      const second = open(bytes * 2);

      // Act
      second.write([eventOf(3)]);

      // Assert
      expect(parsed(`${path}.1`).map((e) => e.id)).toEqual([1, 2]);
      expect(parsed().map((e) => e.id)).toEqual([3]);
    });
  });

  describe('when a write would pass maxBytes', () => {
    it('moves the file to .1 first, and a later rotation replaces .1', () => {
      // Arrange
      const bytes = Buffer.byteLength(lineOf(eventOf(1)));
      const sink = open(bytes * 2);
      sink.write([eventOf(1)]);
      sink.write([eventOf(2)]);

      // Act
      sink.write([eventOf(3)]);
      const afterFirstRotation = { current: parsed().map((e) => e.id), rotated: parsed(`${path}.1`).map((e) => e.id) };
      sink.write([eventOf(4)]);
      sink.write([eventOf(5)]);

      // Assert
      expect(afterFirstRotation).toEqual({ current: [3], rotated: [1, 2] });
      expect(parsed().map((e) => e.id)).toEqual([5]);
      expect(parsed(`${path}.1`).map((e) => e.id)).toEqual([3, 4]);
      expect(fs.readdirSync(dir).sort()).toEqual(['events.jsonl', 'events.jsonl.1']);
    });

    it('counts bytes, not characters, so multi-byte text does not overrun maxBytes', () => {
      // Arrange
      const event = eventOf(1, 'démarré après échec'.repeat(4));
      const bytes = Buffer.byteLength(lineOf(event));
      const chars = lineOf(event).length;
      const maxBytes = bytes + chars;
      const sink = open(maxBytes);
      sink.write([event]);

      // Act
      sink.write([eventOf(2, event.reason)]);

      // Assert
      expect(bytes).toBeGreaterThan(chars);
      expect(fs.statSync(path).size).toBeLessThanOrEqual(maxBytes);
      expect(parsed(`${path}.1`).map((e) => e.id)).toEqual([1]);
      expect(parsed().map((e) => e.id)).toEqual([2]);
    });

    it('still writes a single batch larger than maxBytes to an empty file', () => {
      // Arrange
      const sink = open(10);

      // Act
      sink.write([eventOf(1), eventOf(2)]);

      // Assert
      expect(parsed().map((e) => e.id)).toEqual([1, 2]);
      expect(fs.existsSync(`${path}.1`)).toBe(false);
    });
  });

  describe('when the path is a symlink', () => {
    it('refuses to open it with ELOOP and leaves the target unchanged', () => {
      // Arrange
      const target = join(dir, 'target.txt');
      fs.writeFileSync(target, 'precious\n');
      fs.symlinkSync(target, path);
      const sink = open();

      // Act
      const act = () => sink.write([eventOf(1)]);

      // Assert
      expect(act).toThrow(expect.objectContaining({ code: 'ELOOP' }));
      expect(read(target)).toBe('precious\n');
    });
  });

  describe('when .1 is a symlink at rotation', () => {
    it('replaces the link and leaves its target unchanged', () => {
      // Arrange
      const target = join(dir, 'target.txt');
      fs.writeFileSync(target, 'precious\n');
      fs.symlinkSync(target, `${path}.1`);
      const bytes = Buffer.byteLength(lineOf(eventOf(1)));
      const sink = open(bytes);
      sink.write([eventOf(1)]);

      // Act
      sink.write([eventOf(2)]);

      // Assert
      expect(read(target)).toBe('precious\n');
      expect(fs.lstatSync(`${path}.1`).isSymbolicLink()).toBe(false);
      expect(parsed(`${path}.1`).map((e) => e.id)).toEqual([1]);
    });
  });
});
