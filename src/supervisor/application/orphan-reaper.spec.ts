import { jest } from '@jest/globals';
import { OrphanReaper } from './orphan-reaper.js';
import type { ChildRecord } from './ports/child-registry.port.js';
import { FakeLauncher, InMemoryChildRegistry } from './testing/fakes.js';

/** A child a crashed predecessor (same boot as the fake launcher) recorded. */
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

/** The orphan's group is alive and its leader is still the recorded process. */
function leaveRunning(launcher: FakeLauncher, record: ChildRecord): void {
  launcher.setStartTime(record.pgid, record.startTime);
  launcher.setGroupAlive(record.pgid, true);
}

function setup(records: ChildRecord[]) {
  const launcher = new FakeLauncher();
  const registry = new InMemoryChildRegistry(records);
  return { launcher, registry, reaper: new OrphanReaper(registry, launcher) };
}

describe('OrphanReaper', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:10:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when the orphan is ours (same boot, same start time) and stops on SIGTERM', () => {
    it('sends SIGTERM to its group only', async () => {
      // Arrange
      const web = recordOf('web', 500);
      const { launcher, reaper } = setup([web]);
      leaveRunning(launcher, web);
      launcher.groupDiesOn.add('SIGTERM');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'stopped' }]);
      expect(launcher.signals).toEqual([{ pgid: 500, signal: 'SIGTERM' }]);
    });
  });

  describe('when the orphan is ours and outlives the grace', () => {
    it('sends SIGTERM, then SIGKILL after the grace', async () => {
      // Arrange
      const web = recordOf('web', 500);
      const { launcher, reaper } = setup([web]);
      leaveRunning(launcher, web);

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(1999);
      const signalsDuringGrace = launcher.signalsTo(500);
      await jest.advanceTimersByTimeAsync(1);
      const reaped = await reaping;

      // Assert
      expect(signalsDuringGrace).toEqual(['SIGTERM']);
      expect(launcher.signalsTo(500)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'killed' }]);
    });
  });

  describe('when the leader is gone but members of its group remain', () => {
    it('still treats the group as ours and stops it', async () => {
      // Arrange
      const web = recordOf('web', 500);
      const { launcher, reaper } = setup([web]);
      launcher.setStartTime(500, null);
      launcher.setGroupAlive(500, true);
      launcher.groupDiesOn.add('SIGTERM');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'stopped' }]);
      expect(launcher.signalsTo(500)).toEqual(['SIGTERM']);
    });
  });

  describe('when the pid was reused (the leader has another start time)', () => {
    it('leaves it alone and never signals it', async () => {
      // Arrange
      const web = recordOf('web', 500);
      const { launcher, reaper } = setup([web]);
      launcher.setStartTime(500, 'someone else');
      launcher.setGroupAlive(500, true);

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(5000);
      const reaped = await reaping;

      // Assert
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'pid reused, left alone' }]);
      expect(launcher.signals).toEqual([]);
    });
  });

  describe('when the record is from another boot', () => {
    it('never signals the pid, even if a live process has it now', async () => {
      // Arrange
      const web = recordOf('web', 500, { bootId: 'boot-OLD' });
      const { launcher, reaper } = setup([web]);
      leaveRunning(launcher, web);

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'already gone' }]);
      expect(launcher.signals).toEqual([]);
    });
  });

  describe('when the boot id is unknown on either side', () => {
    it.each<[string, string | null, string | null]>([
      ['the record', null, 'boot-A'],
      ['the launcher', 'boot-A', null],
    ])('relies on the start time (unknown in %s)', async (_label, recordBoot, launcherBoot) => {
      // Arrange
      const web = recordOf('web', 500, { bootId: recordBoot });
      const { launcher, reaper } = setup([web]);
      launcher.bootId = launcherBoot;
      leaveRunning(launcher, web);
      launcher.groupDiesOn.add('SIGTERM');

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped[0].result).toBe('stopped');
      expect(launcher.signalsTo(500)).toEqual(['SIGTERM']);
    });
  });

  describe('when the group is gone', () => {
    it('reports it already gone and sends nothing', async () => {
      // Arrange
      const web = recordOf('web', 500);
      const { launcher, reaper } = setup([web]);
      launcher.setStartTime(500, null);
      launcher.setGroupAlive(500, false);

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([{ name: 'web', pid: 500, result: 'already gone' }]);
      expect(launcher.signals).toEqual([]);
    });
  });

  describe('when several records are reaped', () => {
    it('handles each on its own and removes every record from the registry', async () => {
      // Arrange
      const ours = recordOf('web-1', 500);
      const stubborn = recordOf('web-2', 600);
      const reused = recordOf('worker', 700);
      const otherBoot = recordOf('cron', 800, { bootId: 'boot-OLD' });
      const gone = recordOf('api', 900);
      const { launcher, registry, reaper } = setup([ours, stubborn, reused, otherBoot, gone]);
      leaveRunning(launcher, ours);
      leaveRunning(launcher, stubborn);
      launcher.setStartTime(700, 'someone else');
      launcher.setGroupAlive(700, true);
      launcher.setGroupAlive(800, true);
      const realSignal = launcher.signalGroup.bind(launcher);
      launcher.signalGroup = (pgid, signal) => {
        const sent = realSignal(pgid, signal);
        if (pgid === 500) launcher.setGroupAlive(500, false);
        return sent;
      };

      // Act
      const reaping = reaper.reap();
      await jest.advanceTimersByTimeAsync(2000);
      const reaped = await reaping;

      // Assert
      expect(reaped.map((r) => [r.name, r.result])).toEqual([
        ['web-1', 'stopped'],
        ['web-2', 'killed'],
        ['worker', 'pid reused, left alone'],
        ['cron', 'already gone'],
        ['api', 'already gone'],
      ]);
      expect(launcher.signals).toEqual([
        { pgid: 500, signal: 'SIGTERM' },
        { pgid: 600, signal: 'SIGTERM' },
        { pgid: 600, signal: 'SIGKILL' },
      ]);
      expect(registry.list()).toEqual([]);
      expect([...registry.journal].sort()).toEqual(['remove api 900', 'remove cron 800', 'remove web-1 500', 'remove web-2 600', 'remove worker 700']);
    });
  });

  describe('when the registry is empty', () => {
    it('reaps nothing', async () => {
      // Arrange
      const { launcher, reaper } = setup([]);

      // Act
      const reaped = await reaper.reap();

      // Assert
      expect(reaped).toEqual([]);
      expect(launcher.signals).toEqual([]);
    });
  });
});
