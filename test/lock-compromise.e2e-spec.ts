import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, readPidFile, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';

afterEach(cleanup);

describe('lock compromised while running', () => {
  describe('when the lock directory and PID file are removed under a running instance', () => {
    it('says so loudly and shuts down with exit code 5', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      rmSync(join(dataDir, 'backend.pid.lock'), { recursive: true });
      rmSync(join(dataDir, 'backend.pid'));

      expect(await waitExit(inst, 10000)).toEqual({ code: 5, signal: null });
      expect(inst.output()).toContain('INSTANCE LOCK COMPROMISED');
      expect(inst.output()).toContain('can no longer be sure it is alone');
    });
  });

  describe('when another process rewrites the PID file', () => {
    it('shuts down and leaves the other writer’s PID file alone', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      const takeover = { ...readPidFile(dataDir), pid: 1, instanceId: 'someone-else' };

      writeFileSync(join(dataDir, 'backend.pid'), JSON.stringify(takeover));

      expect(await waitExit(inst, 10000)).toEqual({ code: 5, signal: null });
      expect(inst.output()).toContain('was removed or rewritten by someone else');
      expect(readPidFile(dataDir)).toEqual(takeover);
    });
  });

  describe('when only the lock directory is removed', () => {
    it('notices within a few seconds and refuses to go on', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      rmSync(join(dataDir, 'backend.pid.lock'), { recursive: true });

      await waitFor(() => inst.output().includes('INSTANCE LOCK COMPROMISED'), 'the compromise to be noticed', 10000);
      expect((await waitExit(inst, 10000)).code).toBe(5);
    });
  });
});
