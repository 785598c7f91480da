import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { StoredEvent } from '../domain/stored-event.js';
import { EventStream, type EventStreamOptions, type StoredEventSource } from './event-stream.js';

/** A response whose client reads only when told: written bytes stay "buffered" until `drainAll`. */
class FakeResponse extends EventEmitter {
  readonly socket = new EventEmitter();
  writableLength = 0;
  chunks: string[] = [];
  ended = false;
  destroyed = false;

  writeHead(): this {
    return this;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return this.writableLength < 16 * 1024;
  }

  end(): void {
    this.ended = true;
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  /** The client read everything. */
  drainAll(): void {
    this.writableLength = 0;
    this.socket.emit('drain');
  }

  ids(): number[] {
    return this.chunks.flatMap((c) => [...c.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
  }
}

/** The store as a sorted array, counting queries. */
class FakeSource implements StoredEventSource {
  queries = 0;
  constructor(readonly events: StoredEvent[]) {}

  since(afterId: number, limit: number): StoredEvent[] {
    this.queries++;
    return this.events.filter((e) => e.id > afterId).slice(0, limit);
  }

  add(id: number): StoredEvent {
    const event = eventWith(id);
    this.events.push(event);
    return event;
  }
}

const eventWith = (id: number): StoredEvent => ({
  id, name: 'p', index: 1, from: 'running', to: 'backoff', pid: 1, exitCode: 1, signal: null,
  reason: 'r'.repeat(100), at: '2026-12-01T00:00:00.000Z', backendInstanceId: 'b',
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => eventWith(from + i));
const OPTIONS: EventStreamOptions = { heartbeatMs: 60_000, maxBufferedBytes: 4096, slowClientTimeoutMs: 60_000, pageSize: 10 };
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('EventStream', () => {
  let res: FakeResponse;
  let stream: EventStream | undefined;
  const open = (source: StoredEventSource, options: Partial<EventStreamOptions> = {}) => {
    res = new FakeResponse();
    stream = new EventStream(res as unknown as ServerResponse, source, { ...OPTIONS, ...options });
    return stream;
  };
  afterEach(() => stream?.close());

  describe('when resuming over a history larger than the buffer', () => {
    it('writes no more than the cap plus one event until the client reads, then continues in id order', async () => {
      // Arrange
      const source = new FakeSource(range(1, 500));

      // Act
      open(source).start(0);
      await new Promise((r) => setTimeout(r, 20));
      const bufferedWhileStalled = res.writableLength;
      const idsWhileStalled = res.ids().length;
      while (res.ids().length < 500) {
        res.drainAll();
        await new Promise((r) => setTimeout(r, 1));
      }

      // Assert
      expect(bufferedWhileStalled).toBeLessThan(OPTIONS.maxBufferedBytes + 400);
      expect(idsWhileStalled).toBeLessThan(500);
      expect(res.ids()).toEqual(range(1, 500).map((e) => e.id));
    });
  });

  describe('when live events arrive while the client is behind', () => {
    it('does not buffer them but reads them back from the store once the client reads', async () => {
      // Arrange
      const source = new FakeSource(range(1, 100));
      open(source).start(0);
      await until(() => res.writableLength >= OPTIONS.maxBufferedBytes, 'the buffer to fill');
      const buffered = res.writableLength;

      // Act
      for (let id = 101; id <= 150; id++) stream!.push(source.add(id));
      const bufferedAfterLive = res.writableLength;
      while (res.ids().length < 150) {
        res.drainAll();
        await new Promise((r) => setTimeout(r, 1));
      }

      // Assert
      expect(bufferedAfterLive).toBe(buffered);
      expect(res.ids()).toEqual(range(1, 150).map((e) => e.id));
    });
  });

  describe('when the client stays full past slowClientTimeoutMs', () => {
    it('destroys the response and reports "dropped" once', async () => {
      // Arrange
      const ends: string[] = [];
      open(new FakeSource(range(1, 200)), { slowClientTimeoutMs: 30 });
      stream!.onClose((how) => ends.push(how));

      // Act
      stream!.start(0);
      await until(() => res.destroyed, 'the drop');

      // Assert
      expect(ends).toEqual(['dropped']);
    });
  });

  describe('when Last-Event-ID is at or above the newest stored id', () => {
    it.each([50, 999_999])('streams new events with any id (resume after %p)', (resumeAfter) => {
      // Arrange
      const source = new FakeSource(range(1, 50));
      open(source).start(resumeAfter);

      // Act: a reset database hands out small ids again.
      stream!.push(eventWith(7));
      stream!.push(eventWith(8));

      // Assert
      expect(res.ids()).toEqual([7, 8]);
    });
  });

  describe('when events could not be stored (id 0)', () => {
    it('sends them live when there is room, without moving the cursor', () => {
      const source = new FakeSource([]);
      open(source).start(null);

      stream!.push({ ...eventWith(0) });
      stream!.push(source.add(1));

      expect(res.chunks.filter((c) => c.startsWith('event: process'))).toHaveLength(1);
      expect(res.ids()).toEqual([1]);
    });
  });

  describe('when closed at shutdown', () => {
    it('ends an idle response and cuts one with unread bytes', async () => {
      open(new FakeSource([])).start(null);
      res.drainAll();
      stream!.close();
      expect(res.ended).toBe(true);

      open(new FakeSource(range(1, 100))).start(0);
      await until(() => res.writableLength >= OPTIONS.maxBufferedBytes, 'the buffer to fill');
      stream!.close();
      expect(res.destroyed).toBe(true);
    });
  });
});
