import { ProcessUtils } from '../src/lifecycle/infrastructure/process-utils.js';
import { GroupKiller } from '../src/supervisor/application/group-killer.js';
import { NodeProcessLauncher } from '../src/supervisor/infrastructure/node-process-launcher.adapter.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, isAlive, tempDir, waitFor } from './support/harness.js';

afterEach(cleanup);

/** The real launcher (lifeline watcher included) and the killer the supervisor runs after a crash. */
function setup() {
  const launcher = new NodeProcessLauncher(new ProcessUtils());
  const logs: string[] = [];
  return { launcher, killer: new GroupKiller(launcher, 'victim', (message) => logs.push(message)), logs };
}

const launch = (launcher: NodeProcessLauncher, script: string) =>
  launcher.launch({ name: 'victim', command: 'sh', args: ['-c', script], shell: false, cwd: process.cwd(), env: {} });

describe('GroupKiller.killRemains over the real launcher (real processes, real signals)', () => {
  describe('when the leader is SIGKILLed and left nothing but the watcher', () => {
    it('resolves with the group gone, its watcher included', async () => {
      const { launcher, killer, logs } = setup();
      const child = await launch(launcher, 'exec sleep 3600');
      await waitFor(() => launcher.groupAlive(child.pgid), 'the group to run');

      process.kill(child.pid, 'SIGKILL');
      await child.exited;
      await killer.killRemains(child);

      expect(launcher.groupAlive(child.pgid)).toBe(false);
      expect(logs).toEqual([]);
    });
  });

  describe('when the leader is SIGKILLed at once, before its watcher has even reported its PID', () => {
    it('resolves with the group gone (members still on their way out are waited for, not taken for gone)', async () => {
      const { launcher, killer } = setup();
      const child = await launch(launcher, 'exec sleep 3600');

      process.kill(child.pid, 'SIGKILL');
      await child.exited;
      await killer.killRemains(child);

      expect(launcher.groupAlive(child.pgid)).toBe(false);
    });
  });

  describe('when the leader crashed and left a process in its group', () => {
    it('kills what it left before resolving', async () => {
      const { launcher, killer } = setup();
      const pidFile = join(tempDir(), 'left.pid');
      const child = await launch(launcher, `sleep 3600 & echo "left=$!" > ${pidFile}; sleep 0.2; exit 3`);
      const read = () => (existsSync(pidFile) ? /left=(\d+)/.exec(readFileSync(pidFile, 'utf8')) : null);
      const left = Number((await waitFor(read, 'the leader to start its leftover'))[1]);
      expect(isAlive(left)).toBe(true);

      expect(await child.exited).toEqual({ code: 3, signal: null });
      await killer.killRemains(child);

      expect(isAlive(left)).toBe(false);
      expect(launcher.groupAlive(child.pgid)).toBe(false);
    });
  });
});
