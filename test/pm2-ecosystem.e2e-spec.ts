import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanup, freePort, getJson, MAIN, spawnProcess, tempDir, waitExit, waitFor, waitReady, type Spawned } from './support/harness.js';
import { groupMembers } from './support/process-table.js';
import { fixture } from './support/supervisor-harness.js';

// PM2 ecosystem files, written as PM2's documentation writes them (test/fixtures/pm2), run by
// the real backend: a JavaScript file evaluated in its own process, env_production selected
// with PROCESSES_ENV, and cluster instances really listening on a port each.

afterEach(cleanup);

/** Stack lines as Node prints them: a user's mistake must never show one. */
const STACK_LINE = /^\s+at .+[(:]/m;

interface Running {
  readonly proc: Spawned;
  readonly port: number;
  readonly dir: string;
  readonly config: string;
}

/** Resident memory of `pid` in KiB, from /proc. */
function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** True when nothing listens on `port` on 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A base port whose next port is free too: the two instances of "api" listen on both. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base < 65_535 && (await isFree(base + 1))) return base;
  }
}

/** Copies the fixture ecosystem `name` and the apps it runs into a temp dir, with PORT 3000 replaced by `apiPort`. */
function copyEcosystem(name: string, apiPort: number): { dir: string; config: string } {
  const dir = tempDir('procguard-pm2-');
  for (const app of ['api.mjs', 'job.mjs']) copyFileSync(fixture(`pm2/${app}`), join(dir, app));
  const config = join(dir, name);
  writeFileSync(config, readFileSync(fixture(`pm2/${name}`), 'utf8').replaceAll('3000', String(apiPort)));
  return { dir, config };
}

/** The backend, run from the ecosystem's directory (PM2 resolves scripts against the directory it is started in). */
function startIn(dir: string, config: string, port: number, env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess(process.execPath, [MAIN], {
    cwd: dir,
    env: { DATA_DIR: join(dir, 'data'), PORT: String(port), SHUTDOWN_TIMEOUT_MS: '8000', PROCESSES_CONFIG: config, ...env },
  });
}

async function run(name: string, env: NodeJS.ProcessEnv = {}): Promise<Running & { apiPort: number }> {
  const apiPort = await twoFreePorts();
  const { dir, config } = copyEcosystem(name, apiPort);
  const port = await freePort();
  const proc = startIn(dir, config, port, env);
  await waitReady(proc, port, 40_000);
  return { proc, port, dir, config, apiPort };
}

async function status(backend: Running, name: string): Promise<any> {
  return (await getJson(backend.port, `/api/processes/${name}`)).body;
}

/** What the api instance listening on `port` says about itself. */
async function askApi(port: number): Promise<any> {
  return waitFor(async () => (await getJson(port, '/')).body, `an api instance answering on ${port}`, 30_000);
}

async function expectConfigError(proc: Spawned, ...fragments: string[]): Promise<void> {
  const exit = await waitExit(proc, 40_000);
  const out = proc.output();
  expect({ code: exit.code, out }).toEqual({ code: 2, out: expect.any(String) });
  for (const fragment of fragments) expect(out).toContain(fragment);
  expect(out).not.toMatch(STACK_LINE);
}

describe('PM2 ecosystem files', () => {
  describe.each(['ecosystem.config.cjs', 'ecosystem.config.json', 'ecosystem.config.yaml'])('when PROCESSES_CONFIG is %s with PROCESSES_ENV=production', (name) => {
    it('runs each cluster instance on its own port with env_production merged over env, and honours stop_exit_codes and autostart', async () => {
      const backend = await run(name, { PROCESSES_ENV: 'production' });

      const [first, second] = await Promise.all([askApi(backend.apiPort), askApi(backend.apiPort + 1)]);
      expect(first).toMatchObject({ port: backend.apiPort, instance: '0', nodeEnv: 'production', args: ['--greeting', 'hello'], execArgv: ['--max-old-space-size=128'] });
      expect(second).toMatchObject({ port: backend.apiPort + 1, instance: '1', nodeEnv: 'production' });
      expect(first.pid).not.toBe(second.pid);
      expect([(await status(backend, 'api-1')).pid, (await status(backend, 'api-2')).pid].sort()).toEqual([first.pid, second.pid].sort());

      // migrate exits 3, listed in stop_exit_codes: left stopped, not restarted.
      const migrate = await waitFor(async () => {
        const s = await status(backend, 'migrate');
        return s.state === 'stopped' && s.lastExit?.code === 3 ? s : null;
      }, 'migrate to exit 3 and stay stopped', 30_000);
      expect(migrate).toMatchObject({ restarts: 0, reason: expect.stringContaining('stop_exit_codes') });
      // report has autostart: false: declared, never started.
      expect(await status(backend, 'report')).toMatchObject({ state: 'stopped', pid: null, lastExit: null });
      // An operator's start runs it.
      const started = await fetch(`http://127.0.0.1:${backend.port}/api/processes/report/start`, { method: 'POST' });
      expect(started.status).toBeLessThan(300);
      await waitFor(async () => (await status(backend, 'report')).lastExit?.code === 0, 'report to run once started', 30_000);

      const out = backend.proc.output();
      expect(out).not.toContain('PM2 field "merge_logs" is accepted but has no effect');
      expect(out).toContain('apps[0] "api": PM2 "exec_mode: cluster" runs separate processes here');
      expect(out).toContain('the config: PM2 field "deploy" is accepted but has no effect');
    });
  });

  it('uses env alone without PROCESSES_ENV', async () => {
    const backend = await run('ecosystem.config.cjs');

    expect(await askApi(backend.apiPort)).toMatchObject({ nodeEnv: 'development', instance: '0' });
  });

  it('runs an .mjs ecosystem file (export default), its app named after the script', async () => {
    const backend = await run('ecosystem.config.mjs');

    expect(await askApi(backend.apiPort)).toMatchObject({ port: backend.apiPort, instance: '0' });
    expect(await status(backend, 'api')).toMatchObject({ state: 'running' });
  });

  describe('when SIGHUP reloads a JavaScript ecosystem file', () => {
    it('re-evaluates it, and refuses a broken file as a whole, keeping the running set', async () => {
      const backend = await run('ecosystem.config.cjs', { PROCESSES_ENV: 'production' });
      const before = await askApi(backend.apiPort);
      const original = readFileSync(backend.config, 'utf8');

      // A file that throws: refused as a whole, the instances keep running.
      writeFileSync(backend.config, `throw new Error('SECRET_KEY is not set');\n${original}`);
      backend.proc.child.kill('SIGHUP');
      await waitFor(() => backend.proc.output().includes('Reload rejected'), 'the broken file to be refused', 30_000);
      expect(backend.proc.output()).toContain('Error: SECRET_KEY is not set');
      expect(backend.proc.output()).toContain(backend.config);
      expect((await askApi(backend.apiPort)).pid).toBe(before.pid);

      // A file with one more app: evaluated again and applied.
      writeFileSync(backend.config, original.replace("apps: [", "apps: [\n    { name: 'extra', script: './job.mjs', args: '7', stop_exit_codes: 7 },"));
      backend.proc.child.kill('SIGHUP');
      await waitFor(async () => (await status(backend, 'extra')).lastExit?.code === 7, 'the new app to run', 30_000);
      expect((await askApi(backend.apiPort)).pid).toBe(before.pid);
      // The accepted-but-ineffective fields are named again at the reload, one line each.
      const warnings = backend.proc.output().split('\n').filter((l) => l.includes('PM2 field "deploy" is accepted but has no effect'));
      expect(warnings).toHaveLength(2);
      expect(backend.proc.output()).not.toMatch(STACK_LINE);
    });
  });

  it("runs `script: 'npm', args: 'start'`, as PM2's examples write it, through PATH", async () => {
    const dir = tempDir('procguard-pm2-');
    copyFileSync(fixture('pm2/job.mjs'), join(dir, 'job.mjs'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { start: 'node job.mjs 4' } }));
    const config = join(dir, 'ecosystem.config.js');
    writeFileSync(config, `module.exports = { apps: [{ name: 'site', script: 'npm', args: 'start', stop_exit_codes: [4] }] };\n`);
    const port = await freePort();
    const proc = startIn(dir, config, port);
    await waitReady(proc, port, 40_000);

    const site = await waitFor(async () => {
      const s = (await getJson(port, '/api/processes/site')).body;
      return s.lastExit ? s : null;
    }, 'npm start to run the job', 60_000);
    expect(site).toMatchObject({ state: 'stopped', lastExit: { code: 4 } });
  });

  describe('when signals overlap a slow re-evaluation', () => {
    /** An ecosystem that takes about `ms` to evaluate (a busy wait) and declares `names`, each a job exiting with 5. */
    const slowEcosystem = (ms: number, names: string[]) =>
      `const end = Date.now() + ${ms}; while (Date.now() < end) {}\n` +
      `module.exports = { apps: ${JSON.stringify(names.map((name) => ({ name, script: './job.mjs', args: '5', stop_exit_codes: [5] })))} };\n`;

    it('SIGHUPs during an evaluation make one more pass, and the last file wins', async () => {
      const dir = tempDir('procguard-pm2-');
      copyFileSync(fixture('pm2/job.mjs'), join(dir, 'job.mjs'));
      const config = join(dir, 'ecosystem.config.js');
      writeFileSync(config, slowEcosystem(0, ['first']));
      const port = await freePort();
      const proc = startIn(dir, config, port);
      await waitReady(proc, port, 40_000);

      writeFileSync(config, slowEcosystem(1500, ['second']));
      proc.child.kill('SIGHUP');
      await waitFor(() => proc.output().includes('SIGHUP: reloading'), 'the first reload to begin', 30_000);
      writeFileSync(config, slowEcosystem(0, ['third']));
      proc.child.kill('SIGHUP');
      proc.child.kill('SIGHUP');

      await waitFor(async () => {
        const names = ((await getJson(port, '/api/processes')).body.processes as { name: string }[]).map((p) => p.name);
        return names.length === 1 && names[0] === 'third';
      }, 'the last file to be applied', 30_000);
      expect(proc.output()).not.toMatch(STACK_LINE);
    });

    it('a SIGTERM during a re-evaluation shuts down gracefully and leaves no evaluation behind', async () => {
      const dir = tempDir('procguard-pm2-');
      copyFileSync(fixture('pm2/job.mjs'), join(dir, 'job.mjs'));
      const config = join(dir, 'ecosystem.config.js');
      writeFileSync(config, slowEcosystem(0, ['first']));
      const port = await freePort();
      const proc = startIn(dir, config, port);
      await waitReady(proc, port, 40_000);
      const marker = join(dir, 'evaluating.pid');
      writeFileSync(config, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n` + slowEcosystem(60_000, ['second']));

      proc.child.kill('SIGHUP');
      const evaluator = Number(await waitFor(() => (existsSync(marker) ? readFileSync(marker, 'utf8') : ''), 'the re-evaluation to start', 30_000));
      proc.child.kill('SIGTERM');
      const exit = await waitExit(proc, 30_000);

      expect(exit.code).toBe(0);
      await waitFor(() => {
        try {
          return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${evaluator}/stat`, 'utf8'));
        } catch {
          return true;
        }
      }, 'the evaluation to be gone', 10_000);
    });
  });

  describe('when the JavaScript ecosystem file is bad at start', () => {
    it.each<[string, string, string]>([
      ['throws', `throw new Error('DATABASE_URL is not set');\n`, 'the JavaScript ecosystem file failed to evaluate: Error: DATABASE_URL is not set (line 1)'],
      ['never finishes', `setInterval(() => {}, 1000);\nmodule.exports = new Promise(() => {});\n`, 'the JavaScript ecosystem file did not finish within 5000 ms'],
      ['asks for something refused', `module.exports = { apps: [{ script: 'a.js', user: 'www-data' }] };\n`, '"user" running a process as another user is not supported'],
    ])('exits 2 when it %s, naming the file and the reason, with no stack trace', async (_, text, reason) => {
      const dir = tempDir('procguard-pm2-');
      const config = join(dir, 'ecosystem.config.js');
      writeFileSync(config, text);

      await expectConfigError(startIn(dir, config, await freePort()), `Invalid process config ${config}`, reason);
    });
  });

  describe('when an app has wait_ready', () => {
    it("holds it in starting until it sends 'ready' over IPC, and restarts one silent past listen_timeout", async () => {
      const dir = tempDir('procguard-pm2-');
      copyFileSync(fixture('pm2/ready-on-signal.mjs'), join(dir, 'ready-on-signal.mjs'));
      const config = join(dir, 'ecosystem.config.cjs');
      writeFileSync(
        config,
        `module.exports = { apps: [\n` +
          `  { name: 'waiter', script: './ready-on-signal.mjs', wait_ready: true, listen_timeout: 60000 },\n` +
          `  { name: 'flooder', script: './ready-on-signal.mjs', args: '--flood', wait_ready: true, listen_timeout: 60000 },\n` +
          `  { name: 'silent', script: './ready-on-signal.mjs', wait_ready: true, listen_timeout: 1500, kill_timeout: 500, restart_delay: 60000 },\n` +
          `] };\n`,
      );
      const port = await freePort();
      const proc = startIn(dir, config, port);
      await waitReady(proc, port, 40_000);
      const backend = { proc, port, dir, config };

      const waiter = await waitFor(async () => {
        const s = await status(backend, 'waiter');
        return s.pid && s.state === 'starting' ? s : null;
      }, 'waiter to be spawned', 30_000);
      await waitFor(async () => {
        const lines: string[] = (await getJson(port, '/api/processes/waiter/logs?lines=50')).body.lines;
        return lines.some((l) => l.includes('waiting for SIGUSR2, channel open'));
      }, 'the waiter to see its IPC channel', 30_000);
      // The silent one is stopped at its listen_timeout and counted as a failed start.
      const silent = await waitFor(async () => {
        const s = await status(backend, 'silent');
        return s.state === 'backoff' ? s : null;
      }, 'silent to be stopped at listen_timeout', 30_000);
      expect(silent.reason).toContain("did not send 'ready' within 1500 ms (listen_timeout)");
      // Meanwhile nothing was sent: the waiter is still starting.
      expect(await status(backend, 'waiter')).toMatchObject({ state: 'starting', pid: waiter.pid });

      process.kill(waiter.pid, 'SIGUSR2');
      await waitFor(async () => (await status(backend, 'waiter')).state === 'running', 'waiter to be running after ready', 30_000);
      expect((await status(backend, 'waiter')).reason).toBe("sent 'ready' (wait_ready)");

      // 200 MiB of other messages first: read and dropped, not kept by the backend. The growth
      // measured is the garbage collector's lag (about 30 MiB for 10 to 200 MiB floods), not the flood.
      const flooder = await status(backend, 'flooder');
      const rssBefore = rssKiB(proc.pid);
      process.kill(flooder.pid, 'SIGUSR2');
      await waitFor(async () => (await status(backend, 'flooder')).state === 'running', 'flooder to be running after its ready', 30_000);
      expect(rssKiB(proc.pid) - rssBefore).toBeLessThan(100 * 1024);
    });
  });

  describe('when an app has max_memory_restart', () => {
    it('restarts it when its whole process group, a child included, is over the limit, naming the figure', async () => {
      const dir = tempDir('procguard-pm2-');
      copyFileSync(fixture('pm2/memory-hog.mjs'), join(dir, 'memory-hog.mjs'));
      const config = join(dir, 'ecosystem.config.json');
      writeFileSync(config, JSON.stringify({ apps: [{ name: 'hog', script: './memory-hog.mjs', max_memory_restart: '100M', kill_timeout: 500 }] }));
      const port = await freePort();
      const proc = startIn(dir, config, port);
      await waitReady(proc, port, 40_000);
      const backend = { proc, port, dir, config };

      const first = await waitFor(async () => {
        const s = await status(backend, 'hog');
        return s.state === 'running' ? s : null;
      }, 'hog to run', 30_000);
      // The leader itself stays far below 100 MiB; its child holds 120 MiB.
      const leaderKiB = rssKiB(first.pid);
      const restarted = await waitFor(async () => {
        const s = await status(backend, 'hog');
        return s.restarts >= 1 || s.state === 'backoff' ? s : null;
      }, 'hog to be restarted for its memory', 30_000);

      expect(leaderKiB).toBeLessThan(100 * 1024);
      const events = (await getJson(port, '/api/processes/hog/history?limit=50')).body;
      const text = JSON.stringify(events) + proc.output();
      const measured = /memory (\d+\.\d) MiB of the process group is over max_memory_restart 100\.0 MiB/.exec(text);
      // The child's 120 MiB buffer is in the figure: the leader alone never reaches the limit.
      expect(Number(measured?.[1])).toBeGreaterThan(120);
      expect(restarted.pid === null || restarted.pid !== first.pid).toBe(true);
    });
  });

  describe('when the backend is stopped while it evaluates a hanging ecosystem file at start', () => {
    /** A file that starts a grandchild (its pid in `pids`), announces itself, then never finishes. */
    function hangingEcosystem(dir: string): { config: string; pids: string } {
      const pids = join(dir, 'pids');
      const config = join(dir, 'ecosystem.config.js');
      writeFileSync(
        config,
        `const { spawn } = require('node:child_process');\n` +
          `const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\n` +
          `require('node:fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + c.pid);\n` +
          `while (true) {}\n`,
      );
      return { config, pids };
    }

    const running = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };

    it('a forced exit (a second SIGTERM) takes the evaluation and what it started with it', async () => {
      const dir = tempDir('procguard-pm2-');
      const { config, pids } = hangingEcosystem(dir);
      const proc = startIn(dir, config, await freePort());
      const [evaluator, grandchild] = (await waitFor(() => (existsSync(pids) ? readFileSync(pids, 'utf8') : ''), 'the evaluation to start', 30_000)).split(' ').map(Number);

      proc.child.kill('SIGTERM');
      const firstAt = Date.now();
      await waitFor(() => proc.output().includes('SIGTERM received'), 'the first SIGTERM to be logged', 30_000);
      // A second signal forces only once the 1 s repeat window has passed (ShutdownOnSignal).
      await waitFor(() => Date.now() - firstAt > 1200, 'the repeat window to pass', 5000);
      proc.child.kill('SIGTERM');
      const exit = await waitExit(proc, 30_000);

      expect(exit.code).not.toBe(0);
      await waitFor(() => !running(evaluator) && !running(grandchild), 'the evaluation and its child to be gone', 10_000);
    });

    it('a SIGKILL of the backend takes the evaluation and what it started with it', async () => {
      const dir = tempDir('procguard-pm2-');
      const { config, pids } = hangingEcosystem(dir);
      const proc = startIn(dir, config, await freePort());
      const [evaluator, grandchild] = (await waitFor(() => (existsSync(pids) ? readFileSync(pids, 'utf8') : ''), 'the evaluation to start', 30_000)).split(' ').map(Number);

      proc.child.kill('SIGKILL');
      await waitExit(proc, 30_000);

      // The evaluation by PR_SET_PDEATHSIG; what the file started, and then itself, by the lifeline's watcher.
      await waitFor(() => !running(evaluator) && !running(grandchild), 'the evaluation and its child to be gone', 10_000);
      await waitFor(() => groupMembers(evaluator).length === 0, "the evaluation's process group to be empty", 10_000);
    });
  });

  it('exits 2 on a PROCESSES_ENV that cannot name an env_<name> block', async () => {
    const dir = tempDir('procguard-pm2-');
    const config = join(dir, 'ecosystem.config.json');
    writeFileSync(config, '{ "apps": [] }\n');

    await expectConfigError(startIn(dir, config, await freePort(), { PROCESSES_ENV: 'prod;rm -rf' }), 'PROCESSES_ENV must be the name of an env_<name> block');
  });
});
