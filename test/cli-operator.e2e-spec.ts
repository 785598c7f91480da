import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, FIXTURES, freePort, getJson, isAlive, readPidFile, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';
import { cli, cliInTerminal, cliRunning } from './support/cli-harness.js';
import { startBackend, writeConfig, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);

const THREE = `processes:
  - name: web-1
    command: sleep
    args: ["300"]
  - name: web-2
    command: sleep
    args: ["300"]
  - name: worker
    command: sleep
    args: ["300"]
`;

const states = async (backend: Backend) =>
  Object.fromEntries(((await getJson(backend.port, '/api/processes')).body.processes as { name: string; state: string }[]).map((p) => [p.name, p.state]));

describe('procguard operator commands against a real backend', () => {
  describe('when nothing runs for the data directory', () => {
    it('says so and exits 3, with no PID file or with one naming a dead PID', async () => {
      const empty = tempDir();
      const none = await cli(['status', '--data-dir', empty]);
      expect(none.code).toBe(3);
      expect(none.output).toContain(`No procguard instance is running for ${empty}`);
      expect(none.output).toContain('no PID file');

      // A backend killed outright leaves its PID file behind, naming a dead PID.
      const dataDir = tempDir();
      const port = await freePort();
      const proc = startInstance({ dataDir, port });
      await waitReady(proc, port);
      const { pid } = readPidFile(dataDir);
      process.kill(pid, 'SIGKILL');
      await waitExit(proc);
      for (const args of [['ls'], ['stop', 'all'], ['events', '--follow'], ['down'], ['reload']]) {
        const stale = await cli([...args, '-d', dataDir]);
        expect({ args, code: stale.code }).toEqual({ args, code: 3 });
        expect(stale.output).toContain(`names PID ${pid}, which is no longer running`);
        expect(stale.output).not.toMatch(/\n\s+at /);
      }
    });
  });

  describe('when an instance runs with processes', () => {
    it('status prints an aligned table and --json the API list', async () => {
      const backend = await startBackend(THREE);

      const table = await cli(['status', '-d', backend.dataDir]);
      const json = await cli(['ls', '--json', '-d', backend.dataDir]);

      expect(table.code).toBe(0);
      const lines = table.output.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEMORY\s+LAST EXIT\s+REASON$/);
      expect(lines).toHaveLength(4);
      const stateColumn = lines[0].indexOf('STATE');
      for (const line of lines.slice(1)) expect(line.slice(stateColumn, stateColumn + 7)).toBe('running');
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['web-1', 'web-2', 'worker']);
      expect(table.output).not.toContain('\u001b[');
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.output) as { processes: { name: string; state: string; pid: number }[] };
      expect(listed.processes.map((p) => `${p.name}:${p.state}`)).toEqual(['web-1:running', 'web-2:running', 'worker:running']);
    });

    it('start, stop and restart act on what a pattern matches, and all', async () => {
      const backend = await startBackend(THREE);
      const before = (await getJson(backend.port, '/api/processes/worker')).body.pid;

      const stopped = await cli(['stop', 'web-*', '-d', backend.dataDir]);
      expect(stopped.code).toBe(0);
      expect(await states(backend)).toEqual({ 'web-1': 'stopped', 'web-2': 'stopped', worker: 'running' });

      const started = await cli(['start', 'web-?', '--json', '-d', backend.dataDir]);
      expect(started.code).toBe(0);
      expect(JSON.parse(started.output).results.map((r: { name: string }) => r.name).sort()).toEqual(['web-1', 'web-2']);
      expect(await states(backend)).toEqual({ 'web-1': 'running', 'web-2': 'running', worker: 'running' });

      const restarted = await cli(['restart', 'all', '-d', backend.dataDir]);
      expect(restarted.code).toBe(0);
      expect((await getJson(backend.port, '/api/processes/worker')).body.pid).not.toBe(before);

      const nothing = await cli(['stop', 'db-*', '-d', backend.dataDir]);
      expect(nothing.code).toBe(1);
      expect(nothing.output).toContain('No process matches "db-*"');
      const unknown = await cli(['stop', 'nosuch', '-d', backend.dataDir]);
      expect(unknown.code).toBe(1);
      expect(unknown.output).toContain('404');
    });

    it('exits 4 when the token is wrong or missing, and acts with the right one', async () => {
      const backend = await startBackend(THREE, { API_TOKEN: 'right-token-0123456789' });

      const wrong = await cli(['stop', 'worker', '--token', 'wrong-token', '-d', backend.dataDir]);
      const missing = await cli(['reload', '-d', backend.dataDir]);
      expect(await states(backend)).toMatchObject({ worker: 'running' });
      const right = await cli(['stop', 'worker', '-d', backend.dataDir], { API_TOKEN: 'right-token-0123456789' });

      expect(wrong.code).toBe(4);
      expect(wrong.output).toContain('Unauthorised: the token was refused');
      expect(missing.code).toBe(4);
      expect(missing.output).toContain('a token is required');
      expect(right.code).toBe(0);
      expect(await states(backend)).toMatchObject({ worker: 'stopped' });
    });
  });

  describe('logs --follow', () => {
    it('prints a line the child printed after the command started', async () => {
      const marker = join(tempDir(), 'go');
      // The agent prints its line only once the test creates the marker file: surely after the follow began.
      const backend = await startBackend(`processes:
  - name: talker
    command: sh
    args: ["-c", "echo hello; while [ ! -e \\"$0\\" ]; do sleep 0.05; done; echo after-the-follow-began; exec sleep 300", "${marker}"]
`);
      const follow = cliRunning(['logs', 'talker', '--follow', '-d', backend.dataDir]);
      await waitFor(() => follow.output().includes('hello'), 'the past line');
      expect(follow.output()).not.toContain('after-the-follow-began');

      writeFileSync(marker, '');

      await waitFor(() => follow.output().includes('after-the-follow-began'), 'the new line');
      process.kill(follow.pid, 'SIGTERM');
      expect((await waitExit(follow)).code).toBe(0);
    });
  });

  describe('events --follow in a terminal', () => {
    it('shows events as they happen, resumes after a backend restart without losing the shutdown events, and ends on Ctrl+C with 130', async () => {
      const backend = await startBackend(THREE);
      const follow = cliInTerminal(['events', '--follow', '--name', 'web-*', '-d', backend.dataDir]);
      // The stream is up once the first event reaches it.
      await waitFor(async () => {
        await cli(['restart', 'web-1', '-d', backend.dataDir]);
        return follow.output().includes('web-1  running -> stopping');
      }, 'a live event', 20_000);
      expect(follow.output()).not.toContain('worker');

      // Restart the backend on another port: the streams close before its agents stop, so the
      // stop events are only seen by a client that resumes with Last-Event-ID.
      process.kill(backend.proc.pid, 'SIGTERM');
      await waitExit(backend.proc);
      const port = await freePort();
      const again = startInstance({ dataDir: backend.dataDir, port, env: { PROCESSES_CONFIG: backend.configPath } });
      await waitReady(again, port);

      await waitFor(() => /reconnected to http:\/\/127\.0\.0\.1:\d+/.test(follow.output()), 'the reconnect', 20_000);
      await waitFor(() => follow.output().includes('web-2  stopping -> stopped'), 'the old shutdown events');
      await waitFor(() => follow.output().includes('web-2  starting -> running'), 'the new start events');

      follow.type('\x03');
      const exit = await waitExit(follow);
      expect(exit.code).toBe(130);
      expect(follow.output()).not.toMatch(/\n\s+at |Error:/);
    });
  });

  describe('reload', () => {
    it('reports what the reload started and stopped; a rejected file is exit 1 with the reason; GET /api/reload keeps it', async () => {
      const backend = await startBackend(THREE);
      const sse = cliRunning(['events', '--follow', '--json', '-d', backend.dataDir]);
      // The follower is connected once it receives an event.
      await waitFor(async () => {
        await cli(['restart', 'worker', '-d', backend.dataDir]);
        return sse.output().includes('"name":"worker"');
      }, 'the follower to receive an event', 20_000);
      expect((await getJson(backend.port, '/api/reload')).status).toBe(404);

      writeConfig(backend.configPath, THREE.replace('name: web-2', 'name: extra'));
      const ok = await cli(['reload', '-d', backend.dataDir]);
      expect(ok.code).toBe(0);
      expect(ok.output).toMatch(/started:\s+extra/);
      expect(ok.output).toMatch(/stopped:\s+web-2/);
      expect(ok.output).toMatch(/unchanged: 2/);

      writeConfig(backend.configPath, 'processes:\n  - name: broken\n');
      const rejected = await cli(['reload', '--json', '-d', backend.dataDir]);
      expect(rejected.code).toBe(1);
      const outcome = JSON.parse(rejected.output);
      expect(outcome).toMatchObject({ source: 'api', ok: false, started: [], stopped: [], restarted: [], unchanged: 3 });
      expect(outcome.error).toContain('command');
      expect(await states(backend)).toEqual({ 'web-1': 'running', extra: 'running', worker: 'running' });

      // SIGHUP runs the same reload and leaves its outcome too.
      writeConfig(backend.configPath, THREE);
      process.kill(backend.proc.pid, 'SIGHUP');
      const last = await waitFor(async () => {
        const answer = (await getJson(backend.port, '/api/reload')).body;
        return answer.source === 'SIGHUP' ? answer : null;
      }, 'the SIGHUP reload');
      expect(last).toMatchObject({ ok: true, started: ['web-2'], stopped: ['extra'] });
      const shown = await cli(['reload', '--last', '-d', backend.dataDir]);
      expect(shown.output).toContain('Reloaded (SIGHUP');

      await waitFor(() => sse.output().includes('"event":"reload.failed"'), 'the reload.failed event');
      const types = sse.output().split('\n').filter((l) => l.includes('"event":"reload.')).map((l) => JSON.parse(l).event);
      await waitFor(() => (sse.output().match(/"event":"reload\.succeeded"/g) ?? []).length === 2, 'both reload.succeeded events');
      expect(types.slice(0, 2)).toEqual(['reload.succeeded', 'reload.failed']);
    });

    it('POST /api/reload is a protected mutation', async () => {
      const backend = await startBackend(THREE, { API_TOKEN: 'right-token-0123456789' });

      const anonymous = await fetch(`http://127.0.0.1:${backend.port}/api/reload`, { method: 'POST' });
      const crossSite = await fetch(`http://127.0.0.1:${backend.port}/api/reload`, {
        method: 'POST',
        headers: { authorization: 'Bearer right-token-0123456789', origin: 'https://evil.example' },
      });
      const allowed = await fetch(`http://127.0.0.1:${backend.port}/api/reload`, { method: 'POST', headers: { authorization: 'Bearer right-token-0123456789' } });

      expect(anonymous.status).toBe(401);
      expect(crossSite.status).toBe(403);
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ source: 'api', ok: true, unchanged: 3 });
    });
  });

  describe('up and down', () => {
    it('up --detach returns once healthy; a second up is refused with the refusal and exit 3; down stops it', async () => {
      const dataDir = tempDir();
      const configPath = join(dataDir, 'processes.yaml');
      writeFileSync(configPath, THREE);
      const port = await freePort();
      const env = { PORT: String(port), PROCESSES_CONFIG: configPath, SHUTDOWN_TIMEOUT_MS: '5000' };

      const up = await cli(['up', '--detach', '-d', dataDir], env, 60_000);
      expect(up.code).toBe(0);
      const { pid } = readPidFile(dataDir);
      expect(up.output).toContain(`started, pid ${pid}, http://127.0.0.1:${port}`);
      expect((await getJson(port, '/api/health/ready')).status).toBe(200);
      // Its own session, not the CLI's.
      const stat = (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[3])).toBe(pid);

      const again = await cli(['up', '--detach', '-d', dataDir], { ...env, PORT: String(await freePort()) }, 60_000);
      expect(again.code).toBe(3);
      expect(again.output).toContain('another instance is already running for this data directory');
      expect(again.output).toContain(`PID             ${pid}`);

      const down = await cli(['down', '-d', dataDir], {}, 60_000);
      expect(down.code).toBe(0);
      expect(down.output).toContain(`pid ${pid} stopped`);
      expect(readPidFile(dataDir)).toBeNull();
      expect((await cli(['status', '-d', dataDir])).code).toBe(3);
    });

    it('up in the foreground runs the server on this terminal; Ctrl+C stops it gracefully, exit 0', async () => {
      const dataDir = tempDir();
      const configPath = join(dataDir, 'processes.yaml');
      writeFileSync(configPath, THREE);
      const port = await freePort();
      const up = cliInTerminal(['up', '-d', dataDir], { PORT: String(port), PROCESSES_CONFIG: configPath, SHUTDOWN_TIMEOUT_MS: '5000' });
      await waitFor(async () => (await getJson(port, '/api/health/ready')).status === 200, 'the server to be ready', 30_000);
      const { pid } = readPidFile(dataDir);
      const agents = ((await getJson(port, '/api/processes')).body.processes as { pid: number }[]).map((p) => p.pid);

      up.type('\x03');

      expect((await waitExit(up, 30_000)).code).toBe(0);
      expect(readPidFile(dataDir)).toBeNull();
      expect(isAlive(pid)).toBe(false);
      for (const agent of agents) expect(isAlive(agent)).toBe(false);
      expect(up.output()).not.toMatch(/\n\s+at /);
    });

    it('up in the foreground is the server on this terminal, refused as a duplicate with exit 3', async () => {
      const backend = await startBackend(THREE);
      const dup = await cli(['up', '-d', backend.dataDir], { PORT: String(await freePort()), PROCESSES_CONFIG: backend.configPath }, 60_000);
      expect(dup.code).toBe(3);
      expect(dup.output).toContain('another instance is already running');
      expect(backend.proc.isRunning()).toBe(true);
    });

    it('down waits --timeout for a slow shutdown: exit 1 without --force, SIGKILL with it', async () => {
      const stubborn = `processes:\n  - name: stubborn\n    command: node\n    args: ["${join(FIXTURES, 'ignore-term.mjs')}"]\n    killTimeoutMs: 20000\n`;
      const env = { SHUTDOWN_TIMEOUT_MS: '40000' };
      const slow = await startBackend(stubborn, env);
      const patient = await cli(['down', '--timeout', '1', '-d', slow.dataDir]);
      expect(patient.code).toBe(1);
      expect(patient.output).toContain(`PID ${slow.proc.pid} is still running after 1 s (use --force to kill it)`);
      expect(slow.proc.isRunning()).toBe(true);

      const other = await startBackend(stubborn, env);
      const forced = await cli(['down', '--timeout', '1', '--force', '-d', other.dataDir]);
      expect(forced.code).toBe(0);
      expect(forced.output).toContain(`pid ${other.proc.pid} killed`);
      expect(await waitExit(other.proc)).toEqual({ code: null, signal: 'SIGKILL' });
    });

    it('down never signals a PID the PID file cannot prove is the instance', async () => {
      const backend = await startBackend(THREE);
      const record = readPidFile(backend.dataDir);
      // A forged record: the PID of a live process that is not the instance (this test runner).
      writeFileSync(join(backend.dataDir, 'backend.pid'), JSON.stringify({ ...record, pid: process.pid }));
      const down = await cli(['down', '-d', backend.dataDir]);
      expect(down.code).toBe(3);
      expect(down.output).toContain('now belongs to another process');
      // Never signalled. The backend may have seen the forged PID file itself meanwhile (its 1 s
      // check; a slow `down` on a loaded machine) and stopped on its own with 5.
      expect(backend.proc.output()).not.toContain('SIGTERM received');
      if (!backend.proc.isRunning()) expect((await waitExit(backend.proc)).code).toBe(5);
    });
  });
});
