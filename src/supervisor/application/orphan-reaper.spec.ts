import { jest } from '@jest/globals';
import { OrphanReaper } from './orphan-reaper.js';
import type { ChildRecord } from './ports/child-registry.port.js';
import { FakeStrayFinder } from './testing/fake-stray-finder.js';
import { InMemoryChildRegistry } from './testing/fakes.js';

/** A child a crashed predecessor recorded. */
function recordOf(name: string, pid: number, fields: Partial<ChildRecord> = {}): ChildRecord {
  return {
    name,
    pid,
    pgid: pid,
    startTime: `t${pid}`,
    bootId: 'boot-A',
    ownerInstanceId: 'crashed-instance',
    startedAt: '2024-01-01T00:00:00.000Z',
    ...fields,
  };
}

function setup(records: ChildRecord[] = []) {
  const finder = new FakeStrayFinder();
  const registry = new InMemoryChildRegistry(records);
  return { finder, registry, reaper: new OrphanReaper(registry, finder, { graceMs: 2000, killWaitMs: 1000 }) };
}

describe('OrphanReaper', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:10:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when marked processes of a dead backend stop on SIGTERM', () => {
    it('sends SIGTERM to each by its own PID, and nothing more', async () => {
      // Arrange
      const { finder, reaper } = setup();
      finder.add(500, 'web');
      finder.add(501, 'web');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([
        { name: 'web', pid: 500, result: 'stopped' },
        { name: 'web', pid: 501, result: 'stopped' },
      ]);
      expect(finder.signals).toEqual([
        { pid: 500, signal: 'SIGTERM' },
        { pid: 501, signal: 'SIGTERM' },
      ]);
    });
  });

  describe('when a stray outlives the grace', () => {
    it('sends SIGTERM, then SIGKILL only after the grace', async () => {
      // Arrange
      const { finder, reaper } = setup();
      finder.add(500, 'web', ['SIGKILL']);

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(1980);
      const duringGrace = finder.signals.map((s) => s.signal);
      await jest.advanceTimersByTimeAsync(100);
      const reaped = await reaping;

      // Assert
      expect(duringGrace).toEqual(['SIGTERM']);
      expect(finder.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'killed' }]);
    });
  });

  describe('when a stray forks a new process while it stops', () => {
    it('finds the newcomer on a second look and kills it too', async () => {
      // Arrange
      const { finder, reaper } = setup();
      finder.add(500, 'web');
      finder.forkOnTerm(777, 'web');

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(3100);
      const reaped = await reaping;

      // Assert
      expect(reaped).toEqual([
        { name: 'web', pid: 500, result: 'stopped' },
        { name: 'web', pid: 777, result: 'killed' },
      ]);
      expect(finder.signals).toEqual([
        { pid: 500, signal: 'SIGTERM' },
        { pid: 777, signal: 'SIGKILL' },
      ]);
    });
  });

  describe('when the PID of a stray names another process by the time it would be killed', () => {
    it('does not signal it', async () => {
      // Arrange
      const { finder, reaper } = setup();
      const stray = finder.add(500, 'web', []);
      const signal = finder.signal.bind(finder);
      finder.signal = (s, sig) => {
        const sent = signal(s, sig);
        // The stray exits after SIGTERM was sent and an unrelated process gets its PID.
        if (sig === 'SIGTERM') finder.replace(stray.pid);
        return sent;
      };

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(3100);
      const reaped = await reaping;

      // Assert
      expect(finder.signals).toEqual([{ pid: 500, signal: 'SIGTERM' }]);
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'stopped' }]);
    });
  });

  describe('when records name processes no marker proves ours', () => {
    it('never signals them, reports them, and drops every record', async () => {
      // Arrange: a forged pgid 0, a reused PID, a group whose leader is gone
      const records = [recordOf('zero', 10, { pgid: 0 }), recordOf('reused', 600), recordOf('web', 500)];
      const { finder, registry, reaper } = setup(records);
      finder.add(500, 'web');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(finder.signals).toEqual([{ pid: 500, signal: 'SIGTERM' }]);
      expect(reaped).toEqual([
        { name: 'web', pid: 500, result: 'stopped' },
        { name: 'zero', pid: 10, result: 'no process of ours left' },
        { name: 'reused', pid: 600, result: 'no process of ours left' },
      ]);
      expect(registry.list()).toEqual([]);
      expect([...registry.journal].sort()).toEqual(['remove reused 600', 'remove web 500', 'remove zero 10']);
    });
  });

  describe('when environments cannot be read on this platform', () => {
    it('signals nothing and says what it left alone', async () => {
      // Arrange
      const { finder, registry, reaper } = setup([recordOf('web', 500)]);
      finder.supported = false;
      finder.add(500, 'web');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(finder.signals).toEqual([]);
      expect(finder.finds).toEqual([]);
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'left alone: ownership cannot be proven on this platform' }]);
      expect(registry.list()).toEqual([]);
    });
  });

  describe('when nothing was left', () => {
    it('reaps nothing and looks only once', async () => {
      // Arrange
      const { finder, reaper } = setup();

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([]);
      expect(finder.signals).toEqual([]);
      expect(finder.finds).toEqual([0]);
    });
  });
});
