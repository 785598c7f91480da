import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  FIXTURES,
  freePort,
  getJson,
  isAlive,
  readPidFile,
  spawnProcess,
  startInstance,
  tempDir,
  waitExit,
  waitFor,
  waitReady,
} from './support/harness.js';

afterEach(cleanup);

/** An instance that became ready and was then killed with SIGKILL, leaving its lock behind. */
async function crashedHolder() {
  const dataDir = tempDir();
  const port = await freePort();
  const first = startInstance({ dataDir, port });
  await waitReady(first, port);
  process.kill(first.pid, 'SIGKILL');
  await waitExit(first);
  return { dataDir, port, first };
}

describe('single instance per data directory', () => {
  describe('when a second instance starts on the same data directory', () => {
    it('refuses with the holder’s details and leaves the first untouched', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const first = startInstance({ dataDir, port });
      await waitReady(first, port);
      const pidFileBefore = readFileSync(join(dataDir, 'backend.pid'), 'utf8');

      const second = startInstance({ dataDir, port: await freePort() });
      const exit = await waitExit(second, 10000);

      expect(exit.code).toBe(3);
      const out = second.output();
      expect(out).toContain('already running');
      expect(out).toContain(`PID             ${first.pid}`);
      expect(out).toContain(`curl http://127.0.0.1:${port}/api/health`);
      expect(out).toContain(`kill -TERM ${first.pid}`);
      expect(out).toMatch(/Started\s+\d{4}-\d\d-\d\dT/);
      expect(readFileSync(join(dataDir, 'backend.pid'), 'utf8')).toBe(pidFileBefore);
      expect((await getJson(port, '/api/health')).body.pid).toBe(first.pid);
      expect(first.isRunning()).toBe(true);
      // The refused instance never opened the database: only the first one's run is recorded.
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataDir, 'app.db'), { readonly: true });
      const runs = db.prepare('SELECT pid FROM instance_runs').all();
      db.close();
      expect(runs).toEqual([{ pid: first.pid }]);
    });
  });

  describe('when several instances start at the same moment', () => {
    it('runs exactly one of them', async () => {
      const dataDir = tempDir();
      const ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
      const starters = ports.map((port) => startInstance({ dataDir, port }));

      const winner = await waitFor(
        () => readPidFile(dataDir) && starters.find((s) => s.pid === readPidFile(dataDir).pid),
        'a winner to write the PID file',
      );
      const losers = starters.filter((s) => s !== winner);
      const exits = await Promise.all(losers.map((s) => waitExit(s, 15000)));

      expect(exits.map((e) => e.code)).toEqual(losers.map(() => 3));
      await waitReady(winner, ports[starters.indexOf(winner)]);
      expect(starters.filter((s) => s.isRunning())).toEqual([winner]);
    });
  });

  describe('when the holder was killed with SIGKILL', () => {
    it('starts the next instance at once, proving the holder is gone', async () => {
      const { dataDir, port, first } = await crashedHolder();
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(true);

      const second = startInstance({ dataDir, port });
      await waitReady(second, port);

      expect(second.output()).toContain(`Removing stale instance lock: PID ${first.pid} is no longer running`);
      expect(readPidFile(dataDir).pid).toBe(second.pid);
    });

    it('lets exactly one of several racing starters take over the stale lock', async () => {
      const { dataDir } = await crashedHolder();

      const ports = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort()));
      const starters = ports.map((p) => startInstance({ dataDir, port: p }));
      const exits = await Promise.all(
        starters.map(async (s) => {
          const index = starters.indexOf(s);
          return Promise.race([waitExit(s, 20000), waitReady(s, ports[index]).then(() => 'ready' as const)]);
        }),
      );

      const running = starters.filter((s) => s.isRunning());
      expect(running).toHaveLength(1);
      expect(exits.filter((e) => e === 'ready')).toHaveLength(1);
      expect(exits.filter((e) => e !== 'ready').map((e) => (e as { code: number }).code)).toEqual([3, 3, 3, 3, 3]);
      expect(readPidFile(dataDir).pid).toBe(running[0].pid);
    });
  });

  describe('when the PID file names a live process that is not the holder (PID reuse)', () => {
    it('recognises the reuse by start time and starts', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const first = startInstance({ dataDir, port });
      await waitReady(first, port);
      const record = readPidFile(dataDir);
      process.kill(first.pid, 'SIGKILL');
      await waitExit(first);
      const unrelated = spawnProcess(process.execPath, [join(FIXTURES, 'sleeper.mjs')]);
      await waitFor(() => unrelated.output().trim(), 'the unrelated process to start');
      // Forge: the crashed holder's record, but naming a live process of another start time.
      writeFileSync(join(dataDir, 'backend.pid'), JSON.stringify({ ...record, pid: unrelated.pid }));

      const second = startInstance({ dataDir, port });
      await waitReady(second, port);

      expect(second.output()).toContain(`PID ${unrelated.pid} now belongs to a different process`);
      expect(isAlive(unrelated.pid)).toBe(true);
    });
  });

  describe('when the PID file is garbage and no lock is held', () => {
    it('starts and replaces it', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      writeFileSync(join(dataDir, 'backend.pid'), 'not json at all');

      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      expect(readPidFile(dataDir).pid).toBe(inst.pid);
    });
  });

  describe('when a lock directory has no PID file describing it', () => {
    it('waits for it to age out instead of guessing, then starts', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      mkdirSync(join(dataDir, 'backend.pid.lock'));
      const started = Date.now();

      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      expect(inst.output()).toContain('has not been refreshed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    });
  });

  describe('when the PID file path is a symlink', () => {
    it('never writes through it', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const target = join(tempDir(), 'precious.txt');
      writeFileSync(target, 'keep me');
      const { symlinkSync } = await import('node:fs');
      symlinkSync(target, join(dataDir, 'backend.pid'));

      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);

      expect(readFileSync(target, 'utf8')).toBe('keep me');
      expect(statSync(join(dataDir, 'backend.pid')).isFile()).toBe(true);
      expect(readPidFile(dataDir).pid).toBe(inst.pid);
    });
  });
});
