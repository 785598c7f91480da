import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFileSystem } from '../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { PidLockManager } from '../src/lifecycle/infrastructure/pid-lock-manager.adapter.js';
import { ProcessUtils } from '../src/lifecycle/infrastructure/process-utils.js';
import { cleanup, FIXTURES, freePort, spawnProcess, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';

afterEach(cleanup);

/** A manager that observes (but does not hold) the lock of `dataDir`. */
const observer = (dataDir: string) =>
  new PidLockManager({ pidFilePath: join(dataDir, 'backend.pid'), fs: new NodeFileSystem(), processes: new ProcessUtils() });

describe('PidLockManager seen from another process (real files, real processes)', () => {
  describe('when an instance holds the lock', () => {
    it('reports it running, returns its record, and never calls its lock stale', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      const locks = observer(dataDir);

      expect(await locks.hasRunningInstance()).toBe(true);
      expect(await locks.getCurrentLock()).toMatchObject({ pid: inst.pid, port, role: 'server' });
      expect(await locks.cleanupStaleLock()).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(true);
    });

    it('terminates the holder gracefully on request', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      const outcome = await observer(dataDir).terminateProcess(inst.pid, { timeoutMs: 5000 });

      expect(outcome).toEqual({ pid: inst.pid, result: 'exited' });
      expect(await waitExit(inst)).toEqual({ code: 0, signal: null });
    });

    it('refuses to signal a PID the PID file does not name', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      const bystander = spawnProcess(process.execPath, [join(FIXTURES, 'sleeper.mjs')]);
      await waitFor(() => bystander.output().trim(), 'the bystander to start');

      const outcome = await observer(dataDir).terminateProcess(bystander.pid);

      expect(outcome).toEqual({ pid: bystander.pid, result: 'refused' });
      expect(bystander.isRunning()).toBe(true);
    });
  });

  describe('when the holder was killed with SIGKILL', () => {
    it('removes the stale lock once, proving the holder gone', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      process.kill(inst.pid, 'SIGKILL');
      await waitExit(inst);
      const locks = observer(dataDir);

      expect(await locks.hasRunningInstance()).toBe(false);
      expect(await locks.cleanupStaleLock()).toBe(true);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
      expect(await locks.cleanupStaleLock()).toBe(false);
    });
  });
});
