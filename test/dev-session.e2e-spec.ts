import { jest } from '@jest/globals';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, getJson, isAlive, readPidFile, ROOT, spawnProcess, tempDir, waitExit, waitFor, waitReady, type Spawned } from './support/harness.js';

afterEach(cleanup);

/** A copy of the project (sources only, node_modules linked), so the watcher's dist/ is the test's own. */
function projectCopy(): string {
  const dir = tempDir('procguard-dev-');
  for (const file of ['package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true, filter: (src) => !src.endsWith('.spec.ts') });
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

function startDev(project: string, port: number): Spawned {
  return spawnProcess('npm', ['run', 'dev'], { cwd: project, env: { PORT: String(port), DATA_DIR: join(project, 'data') } });
}

async function appPid(port: number): Promise<number> {
  return (await getJson(port, '/api/health')).body.pid;
}

describe('npm run dev', () => {
  jest.setTimeout(120000);

  describe('when a second `npm run dev` starts beside a running session', () => {
    it('refuses before compiling and leaves the first session’s dist/ alone', async () => {
      const project = projectCopy();
      const port = await freePort();
      const first = startDev(project, port);
      await waitReady(first, port, 60000);
      const main = join(project, 'dist', 'main.js');
      const before = statSync(main);

      const second = startDev(project, await freePort());
      const exit = await waitExit(second, 15000);

      expect(exit.code).toBe(3);
      expect(second.output()).toContain('already running');
      expect(second.output()).toContain('an `npm run dev` session');
      expect(second.output()).not.toContain('Starting compilation');
      const after = statSync(main);
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      expect(first.isRunning()).toBe(true);
      expect((await getJson(port, '/api/health/ready')).status).toBe(200);
    });
  });

  describe('when a source file changes', () => {
    it('reloads without refusing itself and never runs two apps at once', async () => {
      const project = projectCopy();
      const port = await freePort();
      const dev = startDev(project, port);
      await waitReady(dev, port, 60000);
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

      expect(secondApp).not.toBe(firstApp);
      expect(maxApps).toBe(1);
      expect(dev.output()).not.toContain('already running');
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
