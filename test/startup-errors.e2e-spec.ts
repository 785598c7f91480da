import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { cleanup, freePort, readPidFile, spawnProcess, MAIN, startInstance, tempDir, waitExit, waitFor, waitReady, type Spawned } from './support/harness.js';

afterEach(cleanup);
jest.setTimeout(60000);

/** Stack lines as Node prints them ("    at fn (file:1:2)"): a user's mistake must never show one. */
const STACK_LINE = /^\s+at .+[(:]/m;

/** A config whose one process would leave `marker` behind if anything started it. */
function markerConfig(dir: string, extra = ''): { config: string; marker: string } {
  const marker = join(dir, 'started.marker');
  const config = join(dir, 'processes.yaml');
  writeFileSync(
    config,
    `processes:\n  - name: witness\n    command: node\n    args: ["-e", "require('fs').writeFileSync(${JSON.stringify(JSON.stringify(marker)).slice(1, -1)}, ''); setInterval(() => {}, 1000)"]\n${extra}`,
  );
  return { config, marker };
}

/** Exit 2, every `fragment` in the output, no stack trace, no lock left, nothing started. */
async function expectConfigError(inst: Spawned, dataDir: string, marker: string | null, ...fragments: string[]): Promise<string> {
  const exit = await waitExit(inst, 30000);
  const out = inst.output();
  expect({ code: exit.code, out }).toEqual({ code: 2, out: expect.any(String) });
  for (const fragment of fragments) expect(out).toContain(fragment);
  expect(out).not.toMatch(STACK_LINE);
  expect(out).not.toContain('[Nest]');
  expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
  expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
  if (marker) expect(existsSync(marker)).toBe(false);
  return out;
}

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

  describe('when the configuration is valid (the control for "nothing started")', () => {
    it('runs the witness process, which leaves its marker', async () => {
      const dataDir = tempDir();
      const { config, marker } = markerConfig(dataDir);
      const port = await freePort();
      const inst = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: config, READY_REQUIRES: 'witness' } });

      await waitReady(inst, port, 30000);

      expect(await waitFor(() => existsSync(marker), 'the witness to write its marker', 20000)).toBe(true);
    });
  });

  describe('when DATABASE_PATH is a symlink', () => {
    it('refuses to write through it, exits 2 and releases the lock', async () => {
      const dataDir = tempDir();
      const target = join(tempDir(), 'elsewhere.db');
      writeFileSync(target, '');
      symlinkSync(target, join(dataDir, 'app.db'));
      const { config, marker } = markerConfig(dataDir);
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      await expectConfigError(inst, dataDir, marker, `DATABASE_PATH ${join(dataDir, 'app.db')} is a symlink; refusing to write through it`);
      expect(readFileSync(target, 'utf8')).toBe('');
    });
  });

  describe('when DATABASE_PATH cannot be used', () => {
    it.each<[string, (dir: string) => string, string]>([
      ['a directory', (dir) => (mkdirSync(join(dir, 'db')), join(dir, 'db')), 'is a directory; point DATABASE_PATH at a file'],
      ['a file in a missing directory', (dir) => join(dir, 'missing', 'app.db'), `which does not exist; create it, or point DATABASE_PATH elsewhere`],
      ['a file that is not SQLite', (dir) => (writeFileSync(join(dir, 'notes.txt'), 'my notes\n'), join(dir, 'notes.txt')), 'is not an SQLite database'],
      ['a path through a file', (dir) => (writeFileSync(join(dir, 'plain'), ''), join(dir, 'plain', 'app.db')), 'runs through a file where a directory should be'],
    ])('names DATABASE_PATH and the reason for %s, exits 2 and starts nothing', async (_, make, reason) => {
      const dataDir = tempDir();
      const databasePath = make(dataDir);
      const { config, marker } = markerConfig(dataDir);
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config, DATABASE_PATH: databasePath } });

      await expectConfigError(inst, dataDir, marker, `DATABASE_PATH ${databasePath}`, reason);
    });

    it('names an unwritable directory for the user running it', async () => {
      const parent = tempDir();
      chmodSync(parent, 0o755);
      const dataDir = join(parent, 'data');
      mkdirSync(dataDir, { mode: 0o777 });
      chmodSync(dataDir, 0o777);
      const dbDir = join(parent, 'readonly');
      mkdirSync(dbDir, { mode: 0o555 });
      const { config, marker } = markerConfig(dataDir);
      chmodSync(config, 0o644);
      // Root ignores permission bits, so run as nobody when the tests run as root.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [MAIN], {
        env: { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()), PROCESSES_CONFIG: config, DATABASE_PATH: join(dbDir, 'app.db') },
        ...asNobody,
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      expect({ code, out }).toEqual({ code: 2, out: expect.stringContaining(`DATABASE_PATH ${join(dbDir, 'app.db')} is in ${dbDir}, which is not writable (EACCES)`) });
      expect(out).not.toMatch(STACK_LINE);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when the process config is invalid', () => {
    it('names process, field and reason, exits 2, starts no process and releases the lock', async () => {
      const dataDir = tempDir();
      const { config, marker } = markerConfig(dataDir, '  - name: bad\n    command: node\n    instnces: 2\n');
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      await expectConfigError(inst, dataDir, marker, `Invalid process config ${config}`, 'processes[1] "bad": unknown field "instnces"; did you mean "instances"?');
    });

    it.each<[string, string, string]>([
      ['a name with ".."', '  - name: a..b\n    command: node\n', 'processes[1] "a..b": "name" must not contain ".."'],
      ['a leading dot', '  - name: .hidden\n    command: node\n', 'processes[1] ".hidden": "name" may hold only letters'],
      ['a unicode name', '  - name: naïve\n    command: node\n', 'processes[1] "naïve": "name" may hold only letters'],
      [
        'instance names over 64 characters',
        `  - name: ${'n'.repeat(64)}\n    command: node\n    instances: 2\n`,
        `"name" "${'n'.repeat(64)}" with 2 instances runs as "${'n'.repeat(64)}-1", which is 66 characters long`,
      ],
      ['a NUL byte in env', '  - name: nul\n    command: node\n    env: { A: "x\\0y" }\n', 'processes[1] "nul": "env.A" must not contain a NUL byte'],
      ['a NUL byte in args', '  - name: nul\n    command: node\n    args: ["-e", "x\\0"]\n', 'processes[1] "nul": "args[1]" must not contain a NUL byte'],
      ['a NUL byte in command', '  - name: nul\n    command: "no\\0de"\n', 'processes[1] "nul": "command" must not contain a NUL byte'],
      ['a NUL byte in cwd', '  - name: nul\n    command: node\n    cwd: "/tmp\\0"\n', 'processes[1] "nul": "cwd" must not contain a NUL byte'],
      ['an argument the kernel cannot pass (E2BIG)', `  - name: big\n    command: node\n    args: ["${'a'.repeat(140_000)}"]\n`, 'processes[1] "big": "args[0]" is 140000 bytes'],
      ['a variable the kernel cannot pass (E2BIG)', `  - name: big\n    command: node\n    env: { A: "${'x'.repeat(300_000)}" }\n`, 'processes[1] "big": "env.A" is 300002 bytes'],
    ])('refuses %s at start, naming the field', async (_, entry, problem) => {
      const dataDir = tempDir();
      const { config, marker } = markerConfig(dataDir, entry);
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      await expectConfigError(inst, dataDir, marker, problem);
    });

    it('refuses a file over 512 KiB by its size, without parsing it', async () => {
      const dataDir = tempDir();
      const config = join(dataDir, 'huge.yaml');
      // 50 MB of valid YAML: parsing it took minutes; the size check takes a stat.
      const entry = '  - { name: p, command: node }\n';
      writeFileSync(config, `processes:\n${entry.repeat(Math.ceil(50e6 / entry.length))}`);
      const started = Date.now();
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      await expectConfigError(inst, dataDir, null, `file ${config} is`, 'a process config may be at most 524288 bytes (512 KiB)');
      // Generous for a loaded machine; parsing the file took minutes.
      expect(Date.now() - started).toBeLessThan(20000);
    });
  });

  describe('when PROCESSES_CONFIG names a file that does not exist', () => {
    it('names the file, exits 2 and starts nothing', async () => {
      const dataDir = tempDir();
      const missing = join(dataDir, 'missing.yaml');
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: missing } });

      await expectConfigError(inst, dataDir, null, `Invalid process config ${missing}`, `file not found at ${missing}`);
    });
  });

  describe('when READY_REQUIRES names a process the config does not declare', () => {
    it('names the variable, suggests the close name, exits 2 and starts nothing', async () => {
      const dataDir = tempDir();
      const { config, marker } = markerConfig(dataDir);
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config, READY_REQUIRES: 'witnes' } });

      await expectConfigError(inst, dataDir, marker, 'READY_REQUIRES names "witnes", which the process config does not declare; did you mean "witness"?');
    });

    it('says which instances a spec name runs as', async () => {
      const dataDir = tempDir();
      const { config, marker } = markerConfig(dataDir, '  - name: ticker\n    command: node\n    instances: 2\n');
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config, READY_REQUIRES: 'ticker' } });

      await expectConfigError(inst, dataDir, marker, 'READY_REQUIRES names "ticker", which runs as 2 instances ("ticker-1" … "ticker-2")');
    });
  });

  describe('when the database was written by a newer build', () => {
    it('refuses to start rather than touch it: exit 2, no stack trace', async () => {
      const dataDir = tempDir();
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataDir, 'app.db'));
      db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (99, 'future', 'x')");
      db.close();
      const { config, marker } = markerConfig(dataDir);
      const inst = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: config } });

      await expectConfigError(inst, dataDir, marker, `DATABASE_PATH ${join(dataDir, 'app.db')} holds schema version 99, newer than this build understands`);
    });
  });
});
