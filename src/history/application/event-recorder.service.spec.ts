import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { StoredEvent, StoredEventInput } from '../domain/stored-event.js';
import { EVENT_BACKLOG_LIMIT, EVENT_RETRY_MS, EventRecorder } from './event-recorder.service.js';
import type { IEventSink, IEventStore } from './ports/event-store.port.js';

/** Keeps appended events in memory with ids from 1; `failAppend`/`failPrune` make the next calls throw. */
class FakeEventStore implements IEventStore {
  readonly appends: StoredEventInput[][] = [];
  readonly prunes: { names: string[]; keep: number }[] = [];
  readonly pageCalls: unknown[][] = [];
  readonly sinceCalls: unknown[][] = [];
  failAppend = false;
  failPrune = false;
  /** A storage error code (SQLITE_FULL…) the next appends and prunes fail with. */
  full: string | null = null;
  pageResult: StoredEvent[] = [];
  sinceResult: StoredEvent[] = [];
  private nextId = 1;

  append(events: readonly StoredEventInput[]): StoredEvent[] {
    if (this.failAppend) throw new Error('database is locked');
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: this.full });
    this.appends.push([...events]);
    return events.map((e) => ({ ...e, id: this.nextId++ }));
  }

  page(name: string, limit: number, beforeId?: number): StoredEvent[] {
    this.pageCalls.push([name, limit, beforeId]);
    return this.pageResult;
  }

  since(afterId: number, limit: number): StoredEvent[] {
    this.sinceCalls.push([afterId, limit]);
    return this.sinceResult;
  }

  prune(names: readonly string[], keep: number): void {
    if (this.failPrune) throw new Error('disk I/O error');
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: this.full });
    this.prunes.push({ names: [...names], keep });
  }
}

/** Records every batch written to it; `fail` makes it throw instead. */
class FakeSink implements IEventSink {
  readonly batches: StoredEvent[][] = [];
  fail = false;

  constructor(readonly name: string) {}

  write(events: readonly StoredEvent[]): void {
    if (this.fail) throw new Error(`${this.name} is full`);
    this.batches.push([...events]);
  }
}

function eventOf(name: string, reason: string): StoredEventInput {
  return {
    name,
    index: 1,
    from: 'stopped',
    to: 'starting',
    pid: 1000,
    exitCode: null,
    signal: null,
    reason,
    at: '2024-01-01T00:00:00.000Z',
    backendInstanceId: 'instance-1',
  };
}

const RETENTION = 500;

function setup() {
  const store = new FakeEventStore();
  const sinks = [new FakeSink('first'), new FakeSink('second')];
  const recorder = new EventRecorder(store, sinks, RETENTION);
  const seen: StoredEvent[] = [];
  recorder.subscribe((event) => seen.push(event));
  return { store, sinks, recorder, seen };
}

/** Lets the recorder's setImmediate flush run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const idsAndReasons = (events: readonly StoredEvent[]) => events.map((e) => `${e.id}:${e.reason}`);

describe('EventRecorder', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(() => {
    Logger.overrideLogger(true);
  });

  describe('when several events are recorded in one turn', () => {
    it('appends them in one call at the end of the turn, then prunes the names of the batch', async () => {
      // Arrange
      const { store, recorder } = setup();

      // Act
      recorder.record(eventOf('web', 'a'));
      recorder.record(eventOf('worker', 'b'));
      recorder.record(eventOf('web', 'c'));
      const appendsWithinTurn = store.appends.length;
      await nextTurn();

      // Assert
      expect(appendsWithinTurn).toBe(0);
      expect(store.appends).toEqual([[eventOf('web', 'a'), eventOf('worker', 'b'), eventOf('web', 'c')]]);
      expect(store.prunes).toEqual([{ names: ['web', 'worker'], keep: RETENTION }]);
    });

    it('gives each listener and each sink every stored event with its id, in order', async () => {
      // Arrange
      const { recorder, sinks, seen } = setup();
      const second: StoredEvent[] = [];
      recorder.subscribe((event) => second.push(event));

      // Act
      recorder.record(eventOf('web', 'a'));
      recorder.record(eventOf('worker', 'b'));
      await nextTurn();

      // Assert
      expect(idsAndReasons(seen)).toEqual(['1:a', '2:b']);
      expect(second).toEqual(seen);
      expect(seen[1]).toEqual({ ...eventOf('worker', 'b'), id: 2 });
      expect(sinks.map((s) => s.batches.map(idsAndReasons))).toEqual([[['1:a', '2:b']], [['1:a', '2:b']]]);
    });

    it('tells the live subscribers before it writes the sinks and prunes (a stream hears a respawn first)', async () => {
      // Arrange
      const { store, recorder, sinks } = setup();
      const order: string[] = [];
      recorder.subscribe(() => order.push(`listener (sinks ${sinks[0].batches.length}, prunes ${store.prunes.length})`));

      // Act
      recorder.record(eventOf('web', 'a'));
      await nextTurn();

      // Assert
      expect(order).toEqual(['listener (sinks 0, prunes 0)']);
      expect(sinks[0].batches).toHaveLength(1);
      expect(store.prunes).toHaveLength(1);
    });
  });

  describe('when events are recorded in separate turns', () => {
    it('appends one batch per turn', async () => {
      // Arrange
      const { store, recorder, seen } = setup();

      // Act
      recorder.record(eventOf('web', 'a'));
      await nextTurn();
      recorder.record(eventOf('web', 'b'));
      await nextTurn();

      // Assert
      expect(store.appends.map((batch) => batch.map((e) => e.reason))).toEqual([['a'], ['b']]);
      expect(idsAndReasons(seen)).toEqual(['1:a', '2:b']);
    });
  });

  describe('when flush is called before the turn ends', () => {
    it('writes at once and the scheduled flush writes nothing again', async () => {
      // Arrange
      const { store, recorder } = setup();
      recorder.record(eventOf('web', 'a'));

      // Act
      recorder.flush();
      const appendsAfterFlush = store.appends.length;
      await nextTurn();

      // Assert
      expect(appendsAfterFlush).toBe(1);
      expect(store.appends).toHaveLength(1);
    });
  });

  describe('when the buffer is empty', () => {
    it('flush touches neither the store, the sinks nor the listeners', () => {
      // Arrange
      const { store, sinks, recorder, seen } = setup();

      // Act
      recorder.flush();

      // Assert
      expect(store.appends).toEqual([]);
      expect(store.prunes).toEqual([]);
      expect(sinks.map((s) => s.batches)).toEqual([[], []]);
      expect(seen).toEqual([]);
    });
  });

  describe('when the store throws on append', () => {
    it('does not throw out of flush and still hands the events, with id 0, to the sinks and listeners', () => {
      // Arrange
      const { store, sinks, recorder, seen } = setup();
      store.failAppend = true;
      recorder.record(eventOf('web', 'a'));
      recorder.record(eventOf('web', 'b'));

      // Act
      const act = () => recorder.flush();

      // Assert
      expect(act).not.toThrow();
      expect(idsAndReasons(seen)).toEqual(['0:a', '0:b']);
      expect(sinks.map((s) => s.batches.map(idsAndReasons))).toEqual([[['0:a', '0:b']], [['0:a', '0:b']]]);
      expect(store.prunes).toEqual([]);
    });

    it('writes the next batch normally once the store recovers', () => {
      // Arrange
      const { store, recorder, seen } = setup();
      store.failAppend = true;
      recorder.record(eventOf('web', 'lost'));
      recorder.flush();
      store.failAppend = false;
      recorder.record(eventOf('web', 'kept'));

      // Act
      recorder.flush();

      // Assert
      expect(store.appends.map((batch) => batch.map((e) => e.reason))).toEqual([['kept']]);
      expect(idsAndReasons(seen)).toEqual(['0:lost', '1:kept']);
    });
  });

  describe('when only pruning fails', () => {
    it('keeps the ids the store gave the batch', () => {
      // Arrange
      const { store, sinks, recorder, seen } = setup();
      store.failPrune = true;
      recorder.record(eventOf('web', 'a'));

      // Act
      const act = () => recorder.flush();

      // Assert
      expect(act).not.toThrow();
      expect(idsAndReasons(seen)).toEqual(['1:a']);
      expect(idsAndReasons(sinks[0].batches[0])).toEqual(['1:a']);
    });
  });

  describe('when a sink throws', () => {
    it('still writes to the other sinks and tells the listeners', () => {
      // Arrange
      const { sinks, recorder, seen } = setup();
      sinks[0].fail = true;
      recorder.record(eventOf('web', 'a'));

      // Act
      const act = () => recorder.flush();

      // Assert
      expect(act).not.toThrow();
      expect(sinks[1].batches.map(idsAndReasons)).toEqual([['1:a']]);
      expect(idsAndReasons(seen)).toEqual(['1:a']);
    });
  });

  describe('when a sink fails every write the same way (a symlink at its file)', () => {
    it('logs it once, and again only after it worked', () => {
      // Arrange
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const { sinks, recorder } = setup();
      sinks[0].fail = true;

      // Act
      for (const reason of ['a', 'b', 'c']) {
        recorder.record(eventOf('web', reason));
        recorder.flush();
      }
      sinks[0].fail = false;
      recorder.record(eventOf('web', 'd'));
      recorder.flush();
      sinks[0].fail = true;
      recorder.record(eventOf('web', 'e'));
      recorder.flush();

      // Assert
      expect(warn.mock.calls.filter(([message]) => String(message).includes('Event sink'))).toHaveLength(2);
      warn.mockRestore();
    });
  });

  describe('when a listener throws', () => {
    it('does not throw out of flush and the other listeners get every event', () => {
      // Arrange
      const store = new FakeEventStore();
      const recorder = new EventRecorder(store, [], RETENTION);
      const seen: StoredEvent[] = [];
      recorder.subscribe(() => {
        throw new Error('stream closed');
      });
      recorder.subscribe((event) => seen.push(event));
      recorder.record(eventOf('web', 'a'));
      recorder.record(eventOf('web', 'b'));

      // Act
      const act = () => recorder.flush();

      // Assert
      expect(act).not.toThrow();
      expect(idsAndReasons(seen)).toEqual(['1:a', '2:b']);
    });
  });

  describe('when a listener unsubscribes', () => {
    it('gets nothing recorded afterwards while the others still do', async () => {
      // Arrange
      const { recorder, seen } = setup();
      const gone: StoredEvent[] = [];
      const unsubscribe = recorder.subscribe((event) => gone.push(event));
      recorder.record(eventOf('web', 'before'));
      await nextTurn();

      // Act
      unsubscribe();
      recorder.record(eventOf('web', 'after'));
      await nextTurn();

      // Assert
      expect(idsAndReasons(gone)).toEqual(['1:before']);
      expect(idsAndReasons(seen)).toEqual(['1:before', '2:after']);
    });
  });

  describe('when history is read', () => {
    it('page and since hand the arguments to the store and return its answer', () => {
      // Arrange
      const { store, recorder } = setup();
      store.pageResult = [{ ...eventOf('web', 'paged'), id: 7 }];
      store.sinceResult = [{ ...eventOf('worker', 'resumed'), id: 9 }];

      // Act
      const page = recorder.page('web', 20, 8);
      const firstPage = recorder.page('web', 5);
      const since = recorder.since(8, 100);

      // Assert
      expect(store.pageCalls).toEqual([
        ['web', 20, 8],
        ['web', 5, undefined],
      ]);
      expect(store.sinceCalls).toEqual([[8, 100]]);
      expect(page).toBe(store.pageResult);
      expect(firstPage).toBe(store.pageResult);
      expect(since).toBe(store.sinceResult);
    });
  });

  describe('when the store is full (SQLITE_FULL)', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('still hands the events on at once, keeps them, and stores them first, in order, with the next batch', async () => {
      const { store, recorder, sinks, seen } = setup();
      store.full = 'SQLITE_FULL';
      recorder.record(eventOf('web', 'a'));
      recorder.record(eventOf('web', 'b'));
      await nextTurn();
      expect(idsAndReasons(seen)).toEqual(['0:a', '0:b']);
      expect(idsAndReasons(sinks[0].batches.flat())).toEqual(['0:a', '0:b']);
      expect(recorder.backlogSize).toBe(2);

      store.full = null;
      recorder.record(eventOf('worker', 'c'));
      await nextTurn();

      expect(store.appends).toEqual([[eventOf('web', 'a'), eventOf('web', 'b'), eventOf('worker', 'c')]]);
      // Only the new event is handed on again: the kept ones were already delivered.
      expect(idsAndReasons(seen)).toEqual(['0:a', '0:b', '3:c']);
      expect(store.prunes).toEqual([{ names: ['web', 'worker'], keep: RETENTION }]);
      expect(recorder.backlogSize).toBe(0);
    });

    it('writes the backlog on a retry timer when no new event comes', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const { store, recorder } = setup();
      store.full = 'SQLITE_IOERR_WRITE';
      recorder.record(eventOf('web', 'a'));
      await nextTurn();
      jest.advanceTimersByTime(EVENT_RETRY_MS);
      expect(recorder.backlogSize).toBe(1);

      store.full = null;
      jest.advanceTimersByTime(EVENT_RETRY_MS);

      expect(store.appends).toEqual([[eventOf('web', 'a')]]);
      expect(recorder.backlogSize).toBe(0);
    });

    it('keeps at most EVENT_BACKLOG_LIMIT events, dropping the oldest and saying how many once it recovers', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const { store, recorder } = setup();
      store.full = 'SQLITE_FULL';
      for (let i = 0; i < EVENT_BACKLOG_LIMIT + 25; i++) recorder.record(eventOf('web', `e${i}`));
      await nextTurn();
      expect(recorder.backlogSize).toBe(EVENT_BACKLOG_LIMIT);

      store.full = null;
      recorder.flush();
      recorder.record(eventOf('web', 'next'));
      await nextTurn();

      const written = store.appends[0];
      expect(written).toHaveLength(EVENT_BACKLOG_LIMIT + 1);
      expect(written[0].reason).toBe('e25');
      expect(warn).toHaveBeenCalledWith('25 event(s) were dropped from the event log while its disk was full or failing');
      warn.mockRestore();
    });
  });
});
