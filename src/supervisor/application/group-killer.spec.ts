import { jest } from '@jest/globals';
import { GroupKiller } from './group-killer.js';
import { FakeLauncher, type FakeChild } from './testing/fakes.js';

async function launched(launcher: FakeLauncher): Promise<FakeChild> {
  await launcher.launch({ name: 'web-1', command: 'node', args: [], shell: false, cwd: '/', env: {} });
  return launcher.last;
}

function setup() {
  const launcher = new FakeLauncher();
  const logs: string[] = [];
  return { launcher, logs, killer: new GroupKiller(launcher, 'web-1', (m) => logs.push(m)) };
}

describe('GroupKiller', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('when the child stops on its stop signal', () => {
    it('sends no SIGKILL and logs nothing', async () => {
      // Arrange
      const { launcher, logs, killer } = setup();
      const child = await launched(launcher);

      // Act
      const exit = await killer.stop(child, 'SIGTERM', 1000);

      // Assert
      expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(launcher.signalsTo(child.pid)).toEqual(['SIGTERM']);
      expect(logs).toEqual([]);
    });
  });

  describe('when the child outlives the kill timeout', () => {
    it('logs which process gets SIGKILL and after how long', async () => {
      // Arrange
      const { launcher, logs, killer } = setup();
      const child = (await launched(launcher)).ignore('SIGTERM');

      // Act
      const stopping = killer.stop(child, 'SIGTERM', 1000);
      await jest.advanceTimersByTimeAsync(1000);
      const exit = await stopping;

      // Assert
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(logs).toEqual([`web-1: pid ${child.pid} still running 1000 ms after SIGTERM (kill timeout 1000 ms); sending SIGKILL to group ${child.pgid}`]);
    });
  });

  describe('when the leader exits but its group does not', () => {
    it('logs that the group gets SIGKILL', async () => {
      // Arrange
      const { launcher, logs, killer } = setup();
      const child = await launched(launcher);
      launcher.setGroupAlive(child.pgid, true);

      // Act
      const stopping = killer.stop(child, 'SIGINT', 500);
      await jest.advanceTimersByTimeAsync(600);
      await stopping;

      // Assert
      expect(launcher.signalsTo(child.pgid)).toEqual(['SIGINT', 'SIGKILL']);
      expect(logs).toEqual([
        `web-1: pid ${child.pid} exited but its group ${child.pgid} still had processes 500 ms after SIGINT (kill timeout 500 ms); sending SIGKILL to the group`,
      ]);
    });
  });

  describe('when a leader that exited on its own left processes behind', () => {
    it('logs the SIGKILL of what remains', async () => {
      // Arrange
      const { launcher, logs, killer } = setup();
      const child = await launched(launcher);
      child.exit(0);
      launcher.setGroupAlive(child.pgid, true);

      // Act
      await killer.killRemains(child);

      // Assert
      expect(launcher.signalsTo(child.pgid)).toEqual(['SIGKILL']);
      expect(logs).toEqual([`web-1: pid ${child.pid} exited and left processes in its group ${child.pgid}; sending SIGKILL to the group`]);
    });
  });
});
