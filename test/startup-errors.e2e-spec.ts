import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { cleanup, freePort, readPidFile, spawnProcess, MAIN, startInstance, tempDir, waitExit, waitReady } from './support/harness.js';

afterEach(cleanup);

describe('start-up errors', () => {
  describe('when the port is taken by another program', () => {
    let blocker: Server;
    afterEach(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    it('names the port, exits 4 and releases the lock', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));

      const inst = startInstance({ dataDir, port });

      expect((await waitExit(inst)).code).toBe(4);
      expect(inst.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when the environment is invalid', () => {
    it('names every bad variable and exits 2 before touching the data directory', async () => {
      const dataDir = join(tempDir(), 'never-created');
      const inst = spawnProcess(process.execPath, [MAIN], {
        env: { DATA_DIR: dataDir, PORT: 'eighty', SHUTDOWN_TIMEOUT_MS: '-5' },
      });

      expect((await waitExit(inst)).code).toBe(2);
      expect(inst.output()).toContain('PORT="eighty" must be a whole number from 1 to 65535');
      expect(inst.output()).toContain('SHUTDOWN_TIMEOUT_MS="-5" must be a whole number');
      expect(existsSync(dataDir)).toBe(false);
    });
  });

  describe('when the data directory is missing', () => {
    it('creates it and starts', async () => {
      const dataDir = join(tempDir(), 'a', 'b');
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      expect(readPidFile(dataDir).pid).toBe(inst.pid);
    });
  });

  describe('when the data directory path runs through a file', () => {
    it('explains and exits 6', async () => {
      const file = join(tempDir(), 'file');
      writeFileSync(file, '');
      const inst = startInstance({ dataDir: join(file, 'data'), port: await freePort() });

      expect((await waitExit(inst)).code).toBe(6);
      expect(inst.output()).toContain('is not usable (ENOTDIR');
      expect(inst.output()).toContain('Point DATA_DIR');
    });
  });

  describe('when the data directory is read-only for the user running it', () => {
    it('explains and exits 6', async () => {
      const parent = tempDir();
      chmodSync(parent, 0o755);
      const dataDir = join(parent, 'ro');
      mkdirSync(dataDir, { mode: 0o555 });
      // Root ignores permission bits, so run as nobody when the tests run as root.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [MAIN], {
        env: { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()) },
        ...asNobody,
      });
      let out = '';
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      expect(code).toBe(6);
      expect(out).toContain('(EACCES: permission denied)');
    });
  });

  describe('when DATABASE_PATH is a symlink', () => {
    it('refuses to write through it and releases the lock', async () => {
      const dataDir = tempDir();
      const target = join(tempDir(), 'elsewhere.db');
      writeFileSync(target, '');
      symlinkSync(target, join(dataDir, 'app.db'));
      const inst = startInstance({ dataDir, port: await freePort() });

      expect((await waitExit(inst)).code).toBe(1);
      expect(inst.output()).toContain('is a symlink; refusing to write through it');
      expect(readFileSync(target, 'utf8')).toBe('');
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when the process config is invalid', () => {
    it('names process, field and reason, starts no process and releases the lock', async () => {
      const dataDir = tempDir();
      const config = join(dataDir, 'processes.yaml');
      writeFileSync(
        config,
        'processes:\n  - name: good\n    command: node\n    args: ["-e", "setInterval(()=>{},1000)"]\n  - name: bad\n    command: node\n    instnces: 2\n',
      );
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      expect((await waitExit(inst)).code).toBe(1);
      expect(inst.output()).toContain('"bad"');
      expect(inst.output()).toContain('did you mean "instances"?');
      expect(inst.output()).not.toContain('good: stopped -> starting');
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when PROCESSES_CONFIG names a file that does not exist', () => {
    it('refuses to start', async () => {
      const dataDir = tempDir();
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: join(dataDir, 'missing.yaml') } });

      expect((await waitExit(inst)).code).toBe(1);
      expect(inst.output()).toContain('missing.yaml');
    });
  });

  describe('when the database was written by a newer build', () => {
    it('refuses to start rather than touch it', async () => {
      const dataDir = tempDir();
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataDir, 'app.db'));
      db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (99, 'future', 'x')");
      db.close();
      const inst = startInstance({ dataDir, port: await freePort() });

      expect((await waitExit(inst)).code).toBe(1);
      expect(inst.output()).toContain('Database schema version 99 is newer than this build understands');
    });
  });
});
