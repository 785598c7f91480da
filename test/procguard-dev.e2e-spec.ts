import { jest } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spareProgramPath } from '../src/cli/warm-app-launcher.js';
import {
  cleanup,
  FIXTURES,
  freePort,
  getJson,
  isAlive,
  NO_PROCESSES,
  readPidFile,
  ROOT,
  spawnInTerminal,
  spawnProcess,
  tempDir,
  waitExit,
  waitFor,
  waitReady,
  type Spawned,
} from './support/harness.js';
import { processesInDir, processesRunning, statOf } from './support/process-table.js';

// `procguard dev` as a host project runs it: the built bin (npm run build first) in a
// copy of test/fixtures/dev-host, a small Nest app of its own with its own
// nest-cli.json and tsconfig.json, compiled by its own `typescript`.

afterEach(cleanup);

const BIN = join(ROOT, 'dist', 'cli', 'procguard.js');
const TSC = join('typescript', 'bin', 'tsc');
const CTRL_C = '\x03';

/**
 * A fresh copy of the host project. Its node_modules links each of the repository's
 * modules (the peers a host has) and `procguard` to this repository, whose package.json
 * `exports` and built dist/ the host imports as it would the installed package
 * (test/package.e2e-spec.ts installs the real tarball).
 */
function hostCopy(options: { nodeModules?: boolean } = {}): string {
  const dir = tempDir('procguard-host-');
  cpSync(join(FIXTURES, 'dev-host'), dir, { recursive: true });
  if (options.nodeModules !== false) {
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (!entry.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry), 'dir');
    }
    symlinkSync(ROOT, join(modules, 'procguard'), 'dir');
  }
  mkdirSync(join(dir, 'data'));
  return dir;
}

function hostEnv(host: string, port: number): NodeJS.ProcessEnv {
  return { PORT: String(port), DATA_DIR: join(host, 'data'), PROCESSES_CONFIG: NO_PROCESSES, SHUTDOWN_TIMEOUT_MS: '5000' };
}

function procguard(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Spawned {
  return spawnProcess(process.execPath, [BIN, ...args], options);
}

/** Every file of the build with its inode and mtime: any write or delete shows. */
function buildSnapshot(host: string): string[] {
  const dist = join(host, 'dist');
  return (readdirSync(dist, { recursive: true }) as string[])
    .sort()
    .map((name) => {
      const s = statSync(join(dist, name));
      return `${name} ${s.ino} ${s.mtimeMs} ${s.size}`;
    });
}

const compilersIn = (host: string) => processesRunning(TSC).filter((p) => p.cwd === host).map((p) => p.pid);
const appsOf = (host: string) => processesRunning(join(host, 'dist', 'main.js')).map((p) => p.pid);
/** PID, parent, state and command line of each, for a failure message. */
function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      const stat = statOf(pid);
      let cmdline = '?';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      } catch {
        // gone meanwhile
      }
      return `${pid} ppid=${stat?.ppid} state=${stat?.state}: ${cmdline}`;
    })
    .join('\n');
}
const sparesOf = (host: string) => processesRunning(spareProgramPath(host)).map((p) => p.pid);

async function hello(port: number): Promise<{ greeting: string; pid: number }> {
  const { status, body } = await getJson(port, '/api/hello');
  if (status !== 200) throw new Error(`/api/hello answered ${status}`);
  return body;
}

function withOutput<T>(proc: Spawned, wait: Promise<T>): Promise<T> {
  return wait.catch((error: Error) => {
    throw new Error(`${error.message}\n--- output ---\n${proc.output()}`);
  });
}

describe('procguard dev in a host Nest project', () => {
  jest.setTimeout(180000);

  describe('when a second session starts on the same data directory, then a source file changes', () => {
    it('refuses the second before any compiler starts, then reloads the app without overlap, the lock handed over', async () => {
      // Arrange: a session serving the host's own route.
      const host = hostCopy();
      const port = await freePort();
      const first = procguard(['dev'], { cwd: host, env: hostEnv(host, port) });
      await waitReady(first, port, 90000);
      const before = await hello(port);
      expect(before.greeting).toBe('hello from the host');
      const session = readPidFile(join(host, 'data'));
      expect(session).toMatchObject({ role: 'dev-session' });
      expect(session.pid).not.toBe(before.pid);
      const build = buildSnapshot(host);
      expect(build.some((line) => line.startsWith('main.js '))).toBe(true);
      const firstCompiler = compilersIn(host);
      expect(firstCompiler).toHaveLength(1);

      // Act 1: a second session, started elsewhere with --project.
      const compilersSeen = new Set<number>();
      const watchCompilers = setInterval(() => compilersIn(host).forEach((pid) => compilersSeen.add(pid)), 5);
      const second = procguard(['dev', '--project', host], { cwd: tempDir(), env: hostEnv(host, await freePort()) });
      const exit = await waitExit(second, 30000).finally(() => clearInterval(watchCompilers));

      // Assert 1: refused with 3 before compiling; the first session's build untouched.
      expect(exit.code).toBe(3);
      expect(second.output()).toContain('another instance is already running');
      expect(second.output()).toContain(`${session.pid}  (a \`procguard dev\` session)`);
      expect(second.output()).not.toContain('Starting compilation');
      expect(second.output()).not.toContain('with SWC in');
      expect([...compilersSeen]).toEqual(firstCompiler);
      expect(buildSnapshot(host)).toEqual(build);
      expect(first.isRunning()).toBe(true);
      expect((await hello(port)).pid).toBe(before.pid);

      // Act 2: a save.
      let maxApps = 0;
      let maxSpares = 0;
      let twoSpares = '';
      const watchApps = setInterval(() => {
        maxApps = Math.max(maxApps, appsOf(host).length);
        const spares = sparesOf(host);
        if (spares.length > 1 && !twoSpares) twoSpares = describeProcesses(spares);
        maxSpares = Math.max(maxSpares, spares.length);
      }, 5);
      writeFileSync(join(host, 'src', 'greeting.ts'), "export const GREETING = 'hello after the edit';\n");
      const after = await withOutput(first, waitFor(async () => {
        const answer = await hello(port);
        // Checked at the first answer of the new build: the old app must be gone by then.
        return answer.greeting === 'hello after the edit' ? { ...answer, oldAlive: isAlive(before.pid) } : null;
      }, 'the rebuilt app to answer', 90000)).finally(() => clearInterval(watchApps));

      // Assert 2: the old app was gone before the new one answered, never two at once;
      // the session still holds the lock and the new app inherited it.
      expect(after.pid).not.toBe(before.pid);
      expect(after.oldAlive).toBe(false);
      expect(maxApps).toBe(1);
      // The warm start's spare (the next app, its framework loaded, none of the host's code run) is one at most.
      expect({ maxSpares, twoSpares, output: maxSpares > 1 ? first.output() : '' }).toEqual({ maxSpares: 1, twoSpares: '', output: '' });
      expect(first.output()).toContain(`Started the app (pid ${after.pid}), its framework preloaded.`);
      expect(readPidFile(join(host, 'data'))).toMatchObject({ pid: session.pid, instanceId: session.instanceId, role: 'dev-session' });
      expect((await getJson(port, '/api/health/ready')).status).toBe(200);
      expect((await getJson(port, '/api/health')).body.pid).toBe(after.pid);
      expect(first.output()).toContain(`Started the app (pid ${after.pid})`);
      expect(first.output()).not.toContain('already running');
      expect(first.output()).not.toMatch(/The app \(pid \d+\) (exited|was killed)/);
    });
  });

  describe('when the person presses Ctrl+C in the terminal', () => {
    it('stops the app, the compiler and the session, and releases the lock', async () => {
      const host = hostCopy();
      const port = await freePort();
      const dev = spawnInTerminal(`${process.execPath} ${BIN} dev`, { cwd: host, env: hostEnv(host, port) });
      await waitReady(dev, port, 90000);
      const app = (await hello(port)).pid;
      const session = readPidFile(join(host, 'data')).pid as number;
      const [compiler] = compilersIn(host);
      expect(compiler).toBeGreaterThan(0);

      dev.type(CTRL_C);

      const exit = await waitExit(dev, 30000);
      expect([0, 130]).toContain(exit.code);
      expect(dev.output()).toContain('SIGINT received: shutting down gracefully');
      expect(dev.output()).not.toContain('Forcing exit');
      await withOutput(dev, waitFor(
        () => [session, app, compiler].every((pid) => !isAlive(pid)) && processesInDir(host).length === 0,
        'every process of the session to exit',
        20000,
      ));
      expect(existsSync(join(host, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(host, 'data', 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when Ctrl+C comes just as a rebuild finishes (the old app stopping, the new one starting)', () => {
    it('still stops everything: no app of either build is left, the lock is released', async () => {
      const host = hostCopy();
      const port = await freePort();
      const dev = spawnInTerminal(`${process.execPath} ${BIN} dev`, { cwd: host, env: hostEnv(host, port) });
      await waitReady(dev, port, 90000);
      const app = (await hello(port)).pid;
      const session = readPidFile(join(host, 'data')).pid as number;
      const builds = () => dev.output().split('with SWC in').length - 1;
      expect(builds()).toBe(1);

      writeFileSync(join(host, 'src', 'greeting.ts'), "export const GREETING = 'edited';\n");
      await withOutput(dev, waitFor(() => builds() === 2, 'the rebuild to finish', 60000, 2));
      dev.type(CTRL_C);

      const exit = await waitExit(dev, 30000);
      expect([0, 130]).toContain(exit.code);
      expect(dev.output()).not.toContain('Forcing exit');
      await withOutput(dev, waitFor(
        () => !isAlive(session) && !isAlive(app) && appsOf(host).length === 0 && processesInDir(host).length === 0,
        'every process of the session to exit',
        20000,
      ));
      expect(existsSync(join(host, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(host, 'data', 'backend.pid.lock'))).toBe(false);
    });
  });
});

describe('procguard dev when a signal comes right after it took the lock', () => {
  jest.setTimeout(120000);

  it('stops gracefully from where it is (reading the project, about to compile) and releases the lock', async () => {
    const host = hostCopy();
    const dev = procguard(['dev'], { cwd: host, env: hostEnv(host, await freePort()) });
    await withOutput(dev, waitFor(() => readPidFile(join(host, 'data'))?.pid === dev.pid, 'the session to hold the lock', 30000, 2));

    // Reading the layout loads the host's TypeScript, most of a second: the signal lands in it or just after.
    process.kill(dev.pid, 'SIGINT');

    expect(await waitExit(dev, 30000)).toEqual({ code: 0, signal: null });
    expect(dev.output()).not.toContain('Started the app');
    await withOutput(dev, waitFor(() => processesInDir(host).length === 0, 'the compiler, if started, to exit', 20000));
    expect(existsSync(join(host, 'data', 'backend.pid'))).toBe(false);
    expect(existsSync(join(host, 'data', 'backend.pid.lock'))).toBe(false);
  });
});

describe('procguard (the bin) on a project it cannot run', () => {
  const noStack = (output: string) => expect(output).not.toMatch(/^\s+at /m);

  it.each([
    ['no tsconfig.json', (host: string) => rmSync(join(host, 'tsconfig.json')), (host: string) => join(host, 'tsconfig.json')],
    ['a nest-cli.json that is not JSON', (host: string) => writeFileSync(join(host, 'nest-cli.json'), '{ "sourceRoot": '), (host: string) => join(host, 'nest-cli.json')],
    ['an entryFile that does not exist', (host: string) => writeFileSync(join(host, 'nest-cli.json'), '{ "entryFile": "server" }'), (host: string) => join(host, 'src', 'server.ts')],
  ])('%s: exits 2 naming the file, leaves no lock behind, compiles nothing', async (_, breakIt, file) => {
    const host = hostCopy();
    breakIt(host);

    const run = procguard(['dev'], { cwd: host, env: hostEnv(host, await freePort()) });
    const exit = await waitExit(run, 30000);

    expect(exit.code).toBe(2);
    expect(run.output()).toContain(file(host));
    noStack(run.output());
    // The layout is read with the lock held (a duplicate need not load TypeScript), then released.
    expect(readdirSync(join(host, 'data'))).toEqual([]);
    expect(existsSync(join(host, 'dist'))).toBe(false);
    expect(run.output()).not.toContain('Starting compilation');
    expect(run.output()).not.toContain('with SWC in');
  });

  it('exits 2 when the project has no typescript of its own', async () => {
    const host = hostCopy({ nodeModules: false });

    const run = procguard(['dev', '--project', host], { cwd: ROOT, env: hostEnv(host, await freePort()) });

    expect((await waitExit(run, 30000)).code).toBe(2);
    expect(run.output()).toContain(`TypeScript is not installed in ${host}`);
    noStack(run.output());
  });

  it('prints its version from its own package.json, and refuses an unknown command or option with 2', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const cwd = tempDir();

    const shown = procguard(['--version'], { cwd });
    const unknownCommand = procguard(['deploy'], { cwd });
    const unknownOption = procguard(['dev', '--watch-all'], { cwd });

    expect(await waitExit(shown)).toEqual({ code: 0, signal: null });
    expect(shown.output().trim()).toBe(version);
    expect((await waitExit(unknownCommand)).code).toBe(2);
    expect(unknownCommand.output()).toContain('Unknown command "deploy"');
    expect((await waitExit(unknownOption)).code).toBe(2);
    expect(unknownOption.output()).toContain("Unknown option '--watch-all'");
    expect(unknownOption.output()).toContain('procguard dev --help');
  });
});
