import { jest } from '@jest/globals';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  cleanup,
  FIXTURES,
  freePort,
  getJson,
  isAlive,
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

afterEach(cleanup);

/** A copy of the project (sources only, node_modules linked), so the watcher's dist/ is the test's own. */
function projectCopy(): string {
  const dir = tempDir('procguard-dev-');
  for (const file of ['package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true, filter: (src) => !src.endsWith('.spec.ts') });
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'data'));
  return dir;
}

/** PIDs of live processes whose command line mentions `marker`. */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** PIDs of live processes running in `dir` (the compiler's command line names only node_modules). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readlinkSync(`/proc/${entry}/cwd`).startsWith(dir) && isAlive(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A process config with one agent holding `agentPort`: the witness of an orphan. */
function agentConfig(project: string, agentPort: number, script = 'hangable-server.mjs', extra = ''): string {
  const path = join(project, 'processes.yaml');
  writeFileSync(path, `processes:\n  - name: witness\n    command: node\n    args: ["${join(FIXTURES, script)}"]\n    port: ${agentPort}\n${extra}`);
  return path;
}

async function agentPid(port: number): Promise<number> {
  return waitFor(async () => (await getJson(port, '/api/processes/witness')).body.pid as number, 'the agent to run', 20000);
}

/** Adds the session's output to a failed wait, so a failure says what the session printed. */
function withOutput<T>(proc: Spawned, wait: Promise<T>): Promise<T> {
  return wait.catch((error: Error) => {
    throw new Error(`${error.message}\n--- output ---\n${proc.output()}`);
  });
}

/** Ctrl+C as a terminal's keyboard sends it. */
const CTRL_C = '\x03';

function startDev(project: string, port: number): Spawned {
  return spawnProcess('npm', ['run', 'dev'], { cwd: project, env: { PORT: String(port), DATA_DIR: join(project, 'data') } });
}

/** `npm run dev` in a real pty on a fresh copy of the project, with one agent, once it is ready. */
async function startDevInTerminal(agent: { script?: string; extra?: string } = {}, env: NodeJS.ProcessEnv = {}) {
  const project = projectCopy();
  const port = await freePort();
  const agentPort = await freePort();
  const dev = spawnInTerminal('npm run dev', {
    cwd: project,
    env: { PORT: String(port), DATA_DIR: join(project, 'data'), PROCESSES_CONFIG: agentConfig(project, agentPort, agent.script, agent.extra), ...env },
  });
  await waitReady(dev, port, 90000);
  const session = readPidFile(join(project, 'data')).pid as number;
  return { project, port, agentPort, dev, session };
}

async function appPid(port: number): Promise<number> {
  return (await getJson(port, '/api/health')).body.pid;
}

describe('npm run dev', () => {
  jest.setTimeout(120000);

  // One session for both (each session start compiles the project).
  describe('when a second `npm run dev` starts beside a running session, then a source file changes', () => {
    it('refuses the second before it compiles, then reloads without refusing itself and never runs two apps at once', async () => {
      // Arrange
      const project = projectCopy();
      const port = await freePort();
      const first = startDev(project, port);
      await waitReady(first, port, 60000);
      const main = join(project, 'dist', 'main.js');
      const before = statSync(main);

      // Act 1: a second session on the same data directory.
      const second = startDev(project, await freePort());
      const exit = await waitExit(second, 15000);

      // Assert 1: refused, and the first session's dist/ untouched.
      expect(exit.code).toBe(3);
      expect(second.output()).toContain('already running');
      expect(second.output()).toContain('a `procguard dev` session');
      expect(second.output()).not.toContain('Starting compilation');
      expect(second.output()).not.toContain('with SWC in');
      const after = statSync(main);
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      expect(first.isRunning()).toBe(true);
      expect((await getJson(port, '/api/health/ready')).status).toBe(200);

      // Act 2: a save.
      const firstApp = await appPid(port);
      const sessionPid = readPidFile(join(project, 'data')).pid;
      let maxApps = 0;
      const sampler = setInterval(() => {
        maxApps = Math.max(maxApps, processesMentioning(join(project, 'dist', 'main')).length);
      }, 5);
      appendFileSync(join(project, 'src', 'exit-codes.ts'), '\n// touched by the test\n');
      const secondApp = await waitFor(async () => {
        const pid = await appPid(port).catch(() => 0);
        return pid && pid !== firstApp ? pid : 0;
      }, 'the reloaded app to answer', 60000);
      clearInterval(sampler);

      // Assert 2: one app at a time, the session still holds the lock.
      expect(secondApp).not.toBe(firstApp);
      expect(maxApps).toBe(1);
      expect(first.output()).not.toContain('already running');
      expect(first.output()).not.toMatch(/The app \(pid \d+\) (exited|was killed)/);
      expect(readPidFile(join(project, 'data')).pid).toBe(sessionPid);
      // The database records each app's run: the second started only after the first stopped.
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(project, 'data', 'app.db'), { readonly: true });
      const runs = db.prepare('SELECT pid, started_at, stopped_at FROM instance_runs ORDER BY started_at').all() as {
        pid: number;
        started_at: string;
        stopped_at: string | null;
      }[];
      db.close();
      expect(runs.map((r) => r.pid)).toEqual([firstApp, secondApp]);
      expect(runs[0].stopped_at! <= runs[1].started_at).toBe(true);
    });
  });

  describe.each([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'npm'],
    ['SIGHUP', 'session'],
  ] as const)('when %s is sent to the %s process', (signal, target) => {
    it('stops the app gracefully and leaves nothing running', async () => {
      const project = projectCopy();
      const port = await freePort();
      const dev = startDev(project, port);
      await waitReady(dev, port, 60000);
      const app = await appPid(port);
      const session = readPidFile(join(project, 'data')).pid;

      process.kill(target === 'npm' ? dev.pid : session, signal);

      await waitFor(
        () => !isAlive(session) && !isAlive(app) && processesMentioning(project).length === 0,
        'every process of the session to exit',
        20000,
      );
      expect(existsSync(join(project, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(project, 'data', 'backend.pid.lock'))).toBe(false);
      expect(dev.output()).toContain(`[procguard] ${app}`);
      expect(dev.output()).toMatch(/Shutdown step "release instance lock" done/);
    });
  });
});

describe('npm run dev in a real terminal', () => {
  jest.setTimeout(180000);

  describe('when the app dies on its own, crash-loops, and the person then presses Ctrl+C', () => {
    it('says so, restarts it on the same port with backoff, and Ctrl+C still cleans up everything', async () => {
      // Arrange: one session for the whole story (each start compiles the project).
      const { project, port, agentPort, dev, session } = await startDevInTerminal();
      const killed = await appPid(port);
      const agents = [await agentPid(port)];

      // Act 1: the app is SIGKILLed (the OOM killer, a stray kill -9).
      process.kill(killed, 'SIGKILL');

      // Assert 1: the session says so and a new app answers on the same port.
      await withOutput(dev, waitFor(() => dev.output().includes(`The app (pid ${killed}) was killed by SIGKILL`), 'the session to report the kill', 20000));
      const restarted = await withOutput(dev, waitFor(async () => {
        const ready = (await getJson(port, '/api/health/ready').catch(() => ({ status: 0 }))).status === 200;
        const pid = ready ? await appPid(port).catch(() => 0) : 0;
        return pid !== killed ? pid : 0;
      }, 'a new app to be ready on the same port', 60000));
      expect(dev.output()).toContain('restarting it in 0.5 s');
      agents.push(await agentPid(port));

      // Act 2: a change that makes the app crash at start-up.
      const mainTs = join(project, 'src', 'main.ts');
      const original = readFileSync(mainTs, 'utf8');
      writeFileSync(mainTs, `${original}\nif (!process.env.NEVER_SET_BY_THE_TEST) throw new Error('crash on purpose');\n`);

      // Assert 2: the running app is stopped for the new build, which crash-loops with growing delays.
      await withOutput(dev, waitFor(() => dev.output().includes('restarting it in 2.0 s'), 'the crash loop to back off to 2 s', 90000));
      const loop = dev.output().slice(dev.output().indexOf(`The app (pid ${restarted})`) + 1);
      const delays = [...loop.matchAll(/exited with code 1 after [\d.]+ s; restarting it in ([\d.]+) s/g)].map((m) => m[1]);
      expect(delays.slice(0, 3)).toEqual(['0.5', '1.0', '2.0']);
      expect(dev.output()).toContain('crash on purpose');
      expect(isAlive(restarted)).toBe(false);

      // Act 3: the fix is saved.
      writeFileSync(mainTs, original);
      const fixed = await withOutput(dev, waitFor(async () => {
        const ready = (await getJson(port, '/api/health/ready').catch(() => ({ status: 0 }))).status === 200;
        const pid = ready ? await appPid(port).catch(() => 0) : 0;
        return pid !== restarted ? pid : 0;
      }, 'the fixed build to be ready', 90000));
      agents.push(await agentPid(port));

      // Act 4: a type error is saved.
      writeFileSync(join(project, 'src', 'exit-codes.ts'), `${readFileSync(join(project, 'src', 'exit-codes.ts'), 'utf8')}\nexport const broken: number = 'text';\n`);

      // Assert 4: SWC builds it and the app is reloaded at once (types are not waited for);
      // the type check beside it puts the error on screen.
      const typed = await withOutput(dev, waitFor(async () => {
        const ready = (await getJson(port, '/api/health/ready').catch(() => ({ status: 0 }))).status === 200;
        const pid = ready ? await appPid(port).catch(() => 0) : 0;
        return pid !== fixed ? pid : 0;
      }, 'the build with a type error to be running', 90000));
      agents.push(await agentPid(port));
      await withOutput(dev, waitFor(() => dev.output().includes('type error(s) (above)'), 'the type error to be reported', 60000));
      expect(dev.output()).toMatch(/src\/exit-codes\.ts.*error TS2322/);
      expect(dev.output()).toContain('runs the build anyway: SWC compiles without checking types');

      // Act 4b: a syntax error is saved: SWC cannot build it, so the app keeps running.
      writeFileSync(join(project, 'src', 'exit-codes.ts'), `${readFileSync(join(project, 'src', 'exit-codes.ts'), 'utf8')}\nexport const unfinished = (;\n`);
      // The error and the line saying what happens next are two log lines: the second may reach the terminal later.
      await withOutput(dev, waitFor(() => dev.output().includes('did not compile (above)'), 'the syntax error to be reported', 60000));
      expect(dev.output()).toContain('SWC could not compile src/exit-codes.ts');
      expect(dev.output()).toContain(`the app (pid ${typed}) keeps running the previous build until they are fixed`);
      expect(await appPid(port)).toBe(typed);

      // Act 5: Ctrl+C in the terminal (SIGINT to the foreground group, plus npm's forwarded one).
      dev.type(CTRL_C);

      // Assert 5: a graceful stop; nothing of the session is left.
      const exit = await waitExit(dev, 30000);
      expect([0, 130]).toContain(exit.code);
      expect(dev.output()).toContain('SIGINT received: shutting down gracefully (press Ctrl+C again to force)');
      expect(dev.output()).not.toContain('Forcing exit');
      await withOutput(dev, waitFor(
        () => [session, killed, restarted, fixed, typed, ...agents].every((pid) => !isAlive(pid)) && processesIn(project).length === 0,
        'every process of the session to exit',
        20000,
      ));
      await withOutput(dev, waitFor(() => portIsFree(agentPort), 'the agent port to be free', 10000));
      expect(existsSync(join(project, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(project, 'data', 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when the terminal closes (window closed, ssh dropped)', () => {
    it('stops the app and its agent gracefully and leaves nothing running', async () => {
      const { project, port, agentPort, dev, session } = await startDevInTerminal();
      const app = await appPid(port);
      const agent = await agentPid(port);

      // Killing `script` closes the pty master: the kernel hangs up the terminal.
      process.kill(dev.pid, 'SIGKILL');

      await waitFor(
        () => [session, app, agent].every((pid) => !isAlive(pid)) && processesIn(project).length === 0,
        'every process of the session to exit',
        20000,
      );
      await waitFor(() => portIsFree(agentPort), 'the agent port to be free', 10000);
      expect(existsSync(join(project, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(project, 'data', 'backend.pid.lock'))).toBe(false);
      const events = readFileSync(join(project, 'data', 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      expect(events.at(-1)).toMatchObject({ name: 'witness', to: 'stopped', reason: 'stop requested' });
    });
  });

  describe('when the person presses Ctrl+C again after the repeat window', () => {
    it('forces: the app kills its agents, the lock is released, exit 1, nothing left', async () => {
      // Arrange: an agent that ignores SIGTERM keeps the graceful stop busy.
      const { project, port, dev, session } = await startDevInTerminal(
        { script: 'ignore-term.mjs', extra: '    killTimeoutMs: 20000\n' },
        { SHUTDOWN_TIMEOUT_MS: '30000' },
      );
      const app = await appPid(port);
      const agent = await agentPid(port);
      await withOutput(dev, waitFor(
        async () => ((await getJson(port, '/api/processes/witness/logs?lines=10')).body.lines as string[]).some((l) => l.includes('ignore-term started')),
        'the agent to ignore SIGTERM',
      ));
      dev.type(CTRL_C);
      const firstAt = Date.now();
      await withOutput(dev, waitFor(() => dev.output().includes('press Ctrl+C again to force'), 'the hint to force'));
      await withOutput(dev, waitFor(() => Date.now() - firstAt > 1300, 'the repeat window to pass', 5000));
      expect(isAlive(agent)).toBe(true);

      // Act
      dev.type(CTRL_C);

      // Assert
      const exit = await waitExit(dev, 30000);
      expect(exit.code).toBe(1);
      expect(dev.output()).toMatch(/\[procguard dev\] \d+ .* Forcing exit: SIGINT received again during shutdown/);
      expect(dev.output()).toMatch(/\[procguard\] \d+ .* Forcing exit: SIGTERM received again during shutdown/);
      await withOutput(dev, waitFor(
        () => [session, app, agent].every((pid) => !isAlive(pid)) && processesIn(project).length === 0,
        'every process of the session to exit',
        20000,
      ));
      expect(existsSync(join(project, 'data', 'backend.pid'))).toBe(false);
      expect(existsSync(join(project, 'data', 'backend.pid.lock'))).toBe(false);
    });
  });
});
