import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { filesUnder, installExampleHost, packPackage, removeExampleHosts, type InstalledHost, type PackedPackage } from './support/example-host.js';
import { cleanup, freePort, getJson, httpGet as get, isAlive, readPidFile, spawnInTerminal, spawnProcess, tempDir, waitExit, waitFor, type Spawned } from './support/harness.js';
import { processesInDir, processesRunning, statOf } from './support/process-table.js';

/**
 * The package as a user gets it: `npm pack`, installed by npm into a fresh copy of the
 * example host (examples/express-host: a plain Nest app on Express that depends on
 * `procguard` only), built with its own tsc, then used as its operator would.
 */
let packed: PackedPackage;
let host: InstalledHost;

beforeAll(() => {
  packed = packPackage();
  host = installExampleHost(packed.tarball);
  console.log(
    `procguard tarball: ${(packed.bytes / 1024).toFixed(1)} kB, ${packed.files} files; ` +
      `npm install into the example: ${host.installMs} ms; its tsc build: ${host.buildMs} ms`,
  );
}, 300_000);

afterEach(cleanup);
afterAll(removeExampleHosts);

const RECORD_IMPORTS = join(import.meta.dirname, 'support', 'record-imports.mjs');

function startHost(dataDir: string, port: number, args: string[] = [], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess(process.execPath, [...args, 'dist/main.js'], {
    cwd: host.dir,
    env: { DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '8000', ...env },
  });
}

/** Healthy by the host's own /api/health: lifecycle, database, its worker and its own indicator. */
async function waitHealthy(proc: Spawned, port: number): Promise<any> {
  return waitFor(
    async () => {
      if (!proc.isRunning()) throw new Error(`exited:\n${proc.output()}`);
      const health = await getJson(port, '/api/health');
      return health.status === 200 ? health.body : null;
    },
    'the example host to be healthy',
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- output ---\n${proc.output()}`);
  });
}

const workerPid = async (port: number): Promise<number> =>
  waitFor(async () => {
    const [worker] = (await getJson(port, '/api/workers')).body as { name: string; state: string; pid: number | null }[];
    return worker?.state === 'running' ? worker.pid : null;
  }, 'the worker to run');

describe('the npm package', () => {
  it('ships built code with types, README and LICENSE, and nothing else', () => {
    const installed = join(host.dir, 'node_modules', 'procguard');
    const files = filesUnder(installed);

    expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/bootstrap-entry.js', 'dist/bootstrap-entry.d.ts']));
    expect(files.filter((f) => f.startsWith('dist/dashboard/presentation/assets/')).sort()).toEqual(
      ['dashboard.css', 'dashboard.js', 'index.html'].map((f) => `dist/dashboard/presentation/assets/${f}`),
    );
    expect(files.filter((f) => /\.spec\.|\/testing\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    // The TSDoc reaches the host's editor.
    expect(readFileSync(join(installed, 'dist', 'index.d.ts'), 'utf8')).toContain('This file is the whole public API');
  });
});

describe('the example host, installed from the tarball', () => {
  it('serves its own routes and its own /health composed of procguard indicators, and supervises its worker', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const app = startHost(dataDir, port);

    const health = await waitHealthy(app, port);

    expect(health.info).toEqual({
      lifecycle: { status: 'up', state: 'running' },
      database: { status: 'up', schemaVersion: expect.any(Number), journalMode: 'wal' },
      agents: expect.objectContaining({ status: 'up', active: 1, total: 1 }),
      greeter: { status: 'up' },
    });
    expect((await getJson(port, '/api/')).body).toEqual({ message: 'Hello from the example host', flushed: false });
    expect(app.output()).toContain('(health: off, on express)'); // its own /health: procguard's routes are off
    // The dashboard, from the tarball's files, under the host's prefix.
    const ui = await get(port, '/api/ui');
    expect(ui.status).toBe(200);
    expect(ui.body).toContain('src="ui/dashboard.js"');
    expect((await get(port, '/api/ui/dashboard.js')).body).toContain('readSse');
    const first = await workerPid(port);
    process.kill(first, 'SIGKILL');
    const second = await waitFor(async () => {
      const pid = await workerPid(port);
      return pid !== first ? pid : null;
    }, 'the supervisor to restart the killed worker');
    expect(isAlive(second)).toBe(true);
  });

  it('refuses a second start before its AppModule (or any of Nest, SQLite, the config parsers) is loaded', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const app = startHost(dataDir, port);
    await waitHealthy(app, port);
    const imports = join(tempDir(), 'imports.txt');

    const second = startHost(dataDir, await freePort(), ['--import', RECORD_IMPORTS], { RECORD_IMPORTS_FILE: imports });

    expect(await waitExit(second, 20_000)).toEqual({ code: 3, signal: null });
    expect(second.output()).toMatch(new RegExp(`PID\\s+${app.pid}\\b`));
    const loaded = readFileSync(imports, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((url) => url.endsWith('/node_modules/procguard/dist/bootstrap-entry.js'))).toBe(true);
    expect(loaded.filter((url) => url.includes('/app.module.js') || /\/node_modules\/(@nestjs|better-sqlite3|yaml|pg)\//.test(url))).toEqual([]);
    expect(readPidFile(dataDir).pid).toBe(app.pid);
  });

  it('on SIGTERM finishes the request in flight, answers keep-alive with Connection: close, runs its own step and exits 0', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const app = startHost(dataDir, port);
    await waitHealthy(app, port);
    const worker = await workerPid(port);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(port, '/api/', agent); // a keep-alive socket, idle when the stop begins
    const slow = get(port, '/api/slow?ms=1500');
    await waitFor(async () => (await getJson(port, '/api/health')).status === 200, 'the slow request to be under way');

    process.kill(app.pid, 'SIGTERM');
    await waitFor(() => app.output().includes('Shutting down (SIGTERM)'), 'shutdown to begin');
    const during = await get(port, '/api/', agent).catch(() => null);

    const done = await slow;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toEqual({ done: true });
    if (during) expect(during.headers.connection).toBe('close'); // or the idle socket was already closed: never reset mid-answer
    expect(await waitExit(app, 20_000)).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/drain HTTP connections[\s\S]*stop agents[\s\S]*flush the greeting counter[\s\S]*close database[\s\S]*release instance lock/i);
    expect(app.output()).toContain('example: greeting counter flushed');
    expect(isAlive(worker)).toBe(false);
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
    agent.destroy();
  });

  it('recovers after kill -9: its worker goes with it, and the next start breaks the stale lock by proof', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const app = startHost(dataDir, port);
    await waitHealthy(app, port);
    const worker = await workerPid(port);

    process.kill(app.pid, 'SIGKILL');
    await waitExit(app);
    await waitFor(() => !isAlive(worker), 'the worker to die with its backend (lifeline)', 10_000);
    const again = startHost(dataDir, port);

    await waitHealthy(again, port);
    expect(readPidFile(dataDir).pid).toBe(again.pid);
    expect(again.output()).toMatch(/stale/i);
  });
});

describe('procguard dev, the bin the tarball installed, in the example host', () => {
  it('refuses a second session before compiling, reloads an edit without overlap, and stops everything on Ctrl+C in a terminal', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '8000' };
    const bin = join(host.dir, 'node_modules', '.bin', 'procguard');
    const dev = spawnInTerminal(`${bin} dev`, { cwd: host.dir, env });
    await waitHealthy(dev, port);
    const session = readPidFile(dataDir);
    expect(session.role).toBe('dev-session');
    // The session's children running the build: a process the app forks (its worker's
    // wrapper) also shows the app's command line until it execs, so the parent is checked.
    const apps = () =>
      processesRunning(join(host.dir, 'dist', 'main.js'))
        .filter((p) => statOf(p.pid)?.ppid === session.pid)
        .map((p) => p.pid);
    const [firstApp] = apps();
    const worker = await workerPid(port);

    // A second session on the same data directory: refused, no compiler started.
    const compilers = () => processesRunning(join('typescript', 'bin', 'tsc')).filter((p) => p.cwd === host.dir).length;
    const second = spawnProcess(bin, ['dev'], { cwd: host.dir, env: { ...env, PORT: String(await freePort()) } });
    let maxCompilers = 0;
    const sampler = setInterval(() => (maxCompilers = Math.max(maxCompilers, compilers())), 5);
    const refused = await waitExit(second, 30_000).finally(() => clearInterval(sampler));
    expect(refused.code).toBe(3);
    expect(second.output()).toContain('another instance is already running');
    expect(maxCompilers).toBe(1);

    // An edit: the old app has exited before the new build answers; never two apps at once.
    let maxApps = 0;
    const appSampler = setInterval(() => (maxApps = Math.max(maxApps, apps().length)), 5);
    const service = join(host.dir, 'src', 'app.service.ts');
    writeFileSync(service, readFileSync(service, 'utf8').replace('Hello from the example host', 'Hello after the edit'));
    await waitFor(async () => (await getJson(port, '/api/')).body?.message === 'Hello after the edit', 'the edited app to answer', 90_000).finally(
      () => clearInterval(appSampler),
    );
    expect(isAlive(firstApp)).toBe(false);
    expect(maxApps).toBe(1);
    expect(readPidFile(dataDir)).toMatchObject({ pid: session.pid, role: 'dev-session' });

    // Ctrl+C: everything stops, the worker included, the lock is released.
    const newWorker = await workerPid(port);
    dev.type('\x03');
    expect([0, 130]).toContain((await waitExit(dev, 30_000)).code);
    await waitFor(() => [session.pid, worker, newWorker].every((pid) => !isAlive(pid)) && processesInDir(host.dir).length === 0, 'every process to exit', 20_000);
    expect(dev.output()).not.toContain('Forcing exit');
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
    writeFileSync(service, readFileSync(service, 'utf8').replace('Hello after the edit', 'Hello from the example host'));
  });
});
