import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, freePorts, getJson, startInstance, tempDir, waitExit, waitFor } from './support/harness.js';
import { fixture, processStatus, startBackend, writeConfig } from './support/supervisor-harness.js';

afterEach(cleanup);

/** One line of the children's shared record: what happened to which instance, by its own clock. */
interface Mark {
  readonly what: 'start' | 'ready' | 'term' | 'exit';
  readonly name: string;
  readonly at: number;
}

function marks(file: string): Mark[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [what, name, at] = line.split(' ');
      return { what: what as Mark['what'], name, at: Number(at) };
    });
}

function at(all: Mark[], what: Mark['what'], name: string): number {
  const found = all.filter((m) => m.what === what && m.name === name);
  if (found.length !== 1) throw new Error(`expected one "${what} ${name}", got ${found.length}:\n${all.map((m) => `${m.what} ${m.name} ${m.at}`).join('\n')}`);
  return found[0].at;
}

const agent = (record: string, ...options: string[]) =>
  `    command: node\n    args: ${JSON.stringify([fixture('order-agent.mjs'), record, ...options])}\n    killTimeoutMs: 2000\n`;

describe('dependsOn', () => {
  describe('when a chain db <- api (2 instances) <- web starts and stops, db ready only once it listens, late', () => {
    it('starts each only after its dependencies run, holds the others waiting with the reason, and stops in reverse', async () => {
      // Arrange: db's probe passes only ~1.5 s after its spawn; each api instance's once it listens (at once).
      // A process with no probe would count as running when spawned, before its own first line.
      const dir = tempDir();
      const record = join(dir, 'record.log');
      // api's two instances take apiPort and apiPort + 1.
      const [dbPort, apiPort] = [await freePort(), await freePorts(2)];
      const probe = '    readiness: { tcp: true, intervalMs: 100, startupGraceMs: 10000 }\n';
      const backend = await startBackend(
        'processes:\n' +
          `  - name: web\n    dependsOn: [api]\n${agent(record)}` +
          `  - name: api\n    instances: 2\n    port: ${apiPort}\n    dependsOn: db\n${probe}${agent(record, '--listen-after', '0')}` +
          `  - name: db\n    port: ${dbPort}\n${probe}${agent(record, '--listen-after', '1500')}`,
        {},
        dir,
      );

      // Act + Assert, while db is not ready yet: its dependents wait and say for what.
      const waitingApi = await waitFor(async () => {
        const status = await processStatus(backend, 'api-1');
        return marks(record).some((m) => m.what === 'start' && m.name === 'db') && status.state === 'waiting' ? status : null;
      }, 'api-1 to wait for db');
      expect(waitingApi.reason).toBe('waiting for db (starting)');
      const waitingWeb = await processStatus(backend, 'web');
      expect(waitingWeb.state).toBe('waiting');
      expect(waitingWeb.reason).toMatch(/^waiting for api \(api-1 waiting, api-2 waiting\)$/);
      expect(waitingWeb.pid).toBeNull();
      await waitFor(async () => {
        const all: { state: string }[] = (await getJson(backend.port, '/api/processes')).body.processes;
        return all.length === 4 && all.every((p) => p.state === 'running');
      }, 'every process to run', 20_000);
      // web has no probe: running once spawned; its own first line follows.
      const started = await waitFor(() => (marks(record).some((m) => m.what === 'start' && m.name === 'web') ? marks(record) : null), 'web to record its start');
      const dbReady = at(started, 'ready', 'db');
      for (const api of ['api-1', 'api-2']) expect(at(started, 'start', api)).toBeGreaterThanOrEqual(dbReady);
      expect(at(started, 'start', 'web')).toBeGreaterThanOrEqual(Math.max(at(started, 'ready', 'api-1'), at(started, 'ready', 'api-2')));

      // Act: a graceful shutdown.
      process.kill(backend.proc.pid, 'SIGTERM');
      const exit = await waitExit(backend.proc, 20_000);

      // Assert: each got SIGTERM only after everything depending on it had exited (their own clocks).
      expect(exit.code).toBe(0);
      const stopped = marks(record);
      for (const api of ['api-1', 'api-2']) {
        expect(at(stopped, 'term', api)).toBeGreaterThanOrEqual(at(stopped, 'exit', 'web'));
        expect(at(stopped, 'term', 'db')).toBeGreaterThanOrEqual(at(stopped, 'exit', api));
      }
      // The two api instances form one level: both were asked to stop before either had exited.
      expect(Math.max(at(stopped, 'term', 'api-1'), at(stopped, 'term', 'api-2'))).toBeLessThan(
        Math.min(at(stopped, 'exit', 'api-1'), at(stopped, 'exit', 'api-2')),
      );
    }, 60_000);
  });

  describe('when a dependency fails (PM2 apps file)', () => {
    it('leaves its dependent waiting, never started, the state and reason saying so', async () => {
      // Arrange: db (wait_ready: running only once it sends 'ready') exits 1 at once; after 2 unstable runs it is failed.
      const dir = tempDir();
      const record = join(dir, 'record.log');
      const app = (extra: string, ...options: string[]) =>
        `    script: ${fixture('order-agent.mjs')}\n    args: ${JSON.stringify([record, ...options])}\n${extra}`;
      const backend = await startBackend(
        'apps:\n' +
          `  - name: web\n    dependsOn: [db]\n${app('')}` +
          `  - name: db\n    wait_ready: true\n    max_restarts: 1\n    restart_delay: 50\n${app('', '--exit-now', '1')}`,
        {},
        dir,
      );

      // Act
      const web = await waitFor(async () => {
        const [db, status] = [await processStatus(backend, 'db'), await processStatus(backend, 'web')];
        return db.state === 'failed' && status.reason === 'waiting for db (failed)' ? status : null;
      }, 'db to fail and web to say it waits for it');

      // Assert
      expect(web.state).toBe('waiting');
      expect(web.pid).toBeNull();
      expect(web.restarts).toBe(0);
      expect(marks(record).filter((m) => m.name === 'db').length).toBeGreaterThanOrEqual(2);
      expect(marks(record).filter((m) => m.name === 'web')).toEqual([]);
    }, 60_000);
  });

  describe('when the config has a dependsOn cycle', () => {
    it('refuses to start: exit 2, the chain named, no stack trace, no child started', async () => {
      const dir = tempDir();
      const record = join(dir, 'record.log');
      const configPath = join(dir, 'processes.yaml');
      writeConfig(
        configPath,
        'processes:\n' +
          `  - name: web\n    dependsOn: [api]\n${agent(record)}` +
          `  - name: api\n    dependsOn: [cache]\n${agent(record)}` +
          `  - name: cache\n    dependsOn: [web]\n${agent(record)}`,
      );
      const inst = startInstance({ dataDir: dir, port: await freePort(), env: { PROCESSES_CONFIG: configPath } });

      const exit = await waitExit(inst);

      expect(exit.code).toBe(2);
      expect(inst.output()).toContain('dependsOn cycle: web -> api -> cache -> web');
      expect(inst.output()).not.toMatch(/\n\s+at /);
      expect(marks(record)).toEqual([]);
    });

    it('refuses a reload that brings one, as a whole, keeping what runs', async () => {
      const dir = tempDir();
      const record = join(dir, 'record.log');
      const backend = await startBackend(`processes:\n  - name: web\n${agent(record)}  - name: api\n${agent(record)}`, {}, dir);
      const before = await waitFor(async () => {
        const all: { name: string; state: string; pid: number }[] = (await getJson(backend.port, '/api/processes')).body.processes;
        return all.every((p) => p.state === 'running') ? all : null;
      }, 'both to run');

      writeConfig(backend.configPath, `processes:\n  - name: web\n    dependsOn: [api]\n${agent(record)}  - name: api\n    dependsOn: [web]\n${agent(record)}  - name: extra\n${agent(record)}`);
      process.kill(backend.proc.pid, 'SIGHUP');

      await waitFor(() => backend.proc.output().includes('dependsOn cycle: web -> api -> web'), 'the reload to be refused naming the cycle');
      const after: { name: string; pid: number }[] = (await getJson(backend.port, '/api/processes')).body.processes;
      expect(after.map((p) => [p.name, p.pid])).toEqual(before.map((p) => [p.name, p.pid]));
      await waitFor(() => marks(record).length === 2, 'both to record their start');
      expect(marks(record).map((m) => `${m.what} ${m.name}`).sort()).toEqual(['start api', 'start web']);
    }, 30_000);
  });
});
