import { jest } from '@jest/globals';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, getJson, isAlive, startInstance, waitExit, waitFor, waitReady } from './support/harness.js';
import { fixture, post, processStatus, startBackend, waitForLogLine, writeConfig } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(60000);

describe('process supervisor (real children)', () => {
  describe('when a child keeps crashing', () => {
    it('restarts it with growing delays, then marks it failed and keeps serving', async () => {
      const backend = await startBackend(`
processes:
  - name: crasher
    command: node
    args: ["${fixture('crasher.mjs')}"]
    backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 5000, resetAfterMs: 60000 }
    maxRestarts: 3
`);

      const failed = await waitFor(async () => {
        const s = await processStatus(backend, 'crasher');
        return s.state === 'failed' ? s : null;
      }, 'the crasher to be marked failed');

      expect(failed.restarts).toBe(3);
      expect(failed.lastExit).toMatchObject({ code: 1, signal: null });
      const out = backend.proc.output();
      expect(out).toContain('restarting in 100 ms (attempt 1)');
      expect(out).toContain('restarting in 200 ms (attempt 2)');
      expect(out).toContain('restarting in 400 ms (attempt 3)');
      expect(out).toContain('gave up: restarted 3 times');
      const health = await getJson(backend.port, '/api/health');
      expect(health.status).toBe(200);
      expect(health.body.details.agents).toMatchObject({ status: 'degraded', failed: ['crasher'] });
    });
  });

  describe('when a child ignores SIGTERM', () => {
    it('is killed with SIGKILL after killTimeoutMs', async () => {
      const backend = await startBackend(`
processes:
  - name: stubborn
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 300
`);
      // Its SIGTERM handler exists once it has said so.
      await waitForLogLine(backend, 'stubborn', 'ignore-term started');
      const { pid } = await processStatus(backend, 'stubborn');

      const stopped = await post(backend, '/api/processes/stubborn/stop');

      expect(stopped.status).toBe(200);
      expect(stopped.body).toMatchObject({ state: 'stopped', pid: null, lastExit: { signal: 'SIGKILL' } });
      expect(isAlive(pid)).toBe(false);
    });
  });

  describe('when a child has forked a grandchild', () => {
    it('leaves no process of the tree behind after stop', async () => {
      const backend = await startBackend(`
processes:
  - name: forker
    command: node
    args: ["${fixture('forker.mjs')}"]
    killTimeoutMs: 300
`);
      const line = await waitForLogLine(backend, 'forker', 'grandchild=');
      const grandchild = Number(/grandchild=(\d+)/.exec(line)![1]);
      const child = Number(/forker pid=(\d+)/.exec(line)![1]);
      expect(isAlive(grandchild)).toBe(true);

      await post(backend, '/api/processes/forker/stop');

      expect(isAlive(child)).toBe(false);
      expect(isAlive(grandchild)).toBe(false);
    });
  });

  describe('when a child hangs (alive, port closed)', () => {
    // The grace gives the replacement time to bind its port under a loaded CI machine.
    it('is restarted by its readiness probe', async () => {
      const workerPort = await freePort();
      const backend = await startBackend(`
processes:
  - name: hangable
    command: node
    args: ["${fixture('hangable-server.mjs')}"]
    port: ${workerPort}
    readiness: { tcp: true, intervalMs: 100, timeoutMs: 100, failureThreshold: 3, startupGraceMs: 1500 }
    killTimeoutMs: 300
`);
      await waitFor(async () => (await processStatus(backend, 'hangable')).state === 'running', 'the probe to pass');
      const { pid } = await processStatus(backend, 'hangable');

      process.kill(pid, 'SIGUSR2');

      const restarted = await waitFor(async () => {
        const s = await processStatus(backend, 'hangable');
        return s.state === 'running' && s.pid !== pid ? s : null;
      }, 'a new hangable to be running');
      expect(restarted.restarts).toBe(1);
      expect(backend.proc.output()).toContain('readiness probe failed 3 times');
      expect(isAlive(pid)).toBe(false);
    });
  });

  describe('when start and stop calls race', () => {
    it('never runs two copies', async () => {
      const backend = await startBackend(`
processes:
  - name: single
    command: node
    args: ["${fixture('ignore-term.mjs')}", "--marker=${'single-' + Date.now()}"]
    killTimeoutMs: 200
`);
      const marker = readFileSync(backend.configPath, 'utf8').match(/--marker=(single-\d+)/)![1];
      const calls = Array.from({ length: 12 }, (_, i) => post(backend, `/api/processes/single/${i % 3 === 1 ? 'stop' : 'start'}`));
      const copies: number[] = [];
      const sampler = setInterval(() => copies.push(countProcesses(marker)), 5);

      const results = await Promise.all(calls);
      clearInterval(sampler);

      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(Math.max(...copies, countProcesses(marker))).toBeLessThanOrEqual(1);
      const last = await post(backend, '/api/processes/single/start');
      expect(last.body.state).toBe('running');
      // "running" comes at spawn; the wrapper may not have exec'd node yet on a loaded machine.
      await waitFor(() => countProcesses(marker) === 1, 'the one copy to be node');
      expect(countProcesses(marker)).toBe(1);
    });
  });

  describe('when the backend is killed with SIGKILL', () => {
    it('takes the children with it, and the next start finds nothing of ours left', async () => {
      const yaml = `
processes:
  - name: orphan
    command: node
    args: ["${fixture('forker.mjs')}"]
`;
      const first = await startBackend(yaml);
      const line = await waitForLogLine(first, 'orphan', 'grandchild=');
      const child = Number(/forker pid=(\d+)/.exec(line)![1]);
      const grandchild = Number(/grandchild=(\d+)/.exec(line)![1]);
      process.kill(first.proc.pid, 'SIGKILL');
      await waitExit(first.proc);
      await waitFor(() => !isAlive(child) && !isAlive(grandchild), 'the child and its grandchild to die with the backend', 10000);

      const second = startInstance({ dataDir: first.dataDir, port: first.port, env: { PROCESSES_CONFIG: first.configPath } });
      await waitReady(second, first.port);

      expect(second.output()).toContain(`Orphan of a previous instance: orphan (pid ${child}): no process of ours left`);
      expect((await processStatus({ ...first, proc: second }, 'orphan')).pid).not.toBe(child);
    });
  });

  describe('when the backend shuts down', () => {
    it('stops every child before the database closes', async () => {
      const backend = await startBackend(`
processes:
  - name: tick
    command: node
    args: ["${join(process.cwd(), 'workers', 'ticker.mjs')}"]
    instances: 2
`);
      await waitFor(async () => (await getJson(backend.port, '/api/health')).body.activeAgents === 2, 'both ticks to run');
      const pids = (await getJson(backend.port, '/api/processes')).body.processes.map((p: { pid: number }) => p.pid);

      process.kill(backend.proc.pid, 'SIGTERM');

      expect((await waitExit(backend.proc)).code).toBe(0);
      expect(pids.every((pid: number) => !isAlive(pid))).toBe(true);
      expect(backend.proc.output()).toMatch(/"stop agents" done[\s\S]*"close database" done/);
    });
  });

  describe('when an agent outlives the shutdown deadline', () => {
    it('forces the exit and still kills the agent’s group', async () => {
      const backend = await startBackend(
        `
processes:
  - name: slowpoke
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 30000
`,
        { SHUTDOWN_TIMEOUT_MS: '800' },
      );
      await waitForLogLine(backend, 'slowpoke', 'ignore-term started');
      const { pid } = await processStatus(backend, 'slowpoke');

      process.kill(backend.proc.pid, 'SIGTERM');

      expect((await waitExit(backend.proc, 10000)).code).toBe(1);
      await waitFor(() => !isAlive(pid), 'the agent to be gone', 2000);
      expect(backend.proc.output()).toContain('Forcing exit');
    });
  });

  describe('when the config changes and SIGHUP arrives', () => {
    it('starts what is new, stops what is gone, leaves the rest alone, and rejects an invalid file', async () => {
      const keep = `  - name: keep\n    command: node\n    args: ["${fixture('ignore-term.mjs')}"]\n    killTimeoutMs: 200\n`;
      const backend = await startBackend(`processes:\n${keep}  - name: old\n    command: node\n    args: ["${fixture('ignore-term.mjs')}"]\n    killTimeoutMs: 200\n`);
      await waitFor(async () => (await getJson(backend.port, '/api/health')).body.activeAgents === 2, 'both to run');
      const keepPid = (await processStatus(backend, 'keep')).pid;

      writeConfig(backend.configPath, `processes:\n${keep}  - name: new\n    command: node\n    args: ["${fixture('ignore-term.mjs')}"]\n`);
      process.kill(backend.proc.pid, 'SIGHUP');
      await waitFor(async () => (await processStatus(backend, 'new')).state === 'running', 'the new process to run');

      expect((await getJson(backend.port, '/api/processes/old')).status).toBe(404);
      expect((await processStatus(backend, 'keep')).pid).toBe(keepPid);
      expect(backend.proc.output()).toContain('started [new], stopped [old], restarted [], unchanged [keep]');

      writeConfig(backend.configPath, 'processes:\n  - name: broken\n    instances: 0\n');
      process.kill(backend.proc.pid, 'SIGHUP');
      await waitFor(() => backend.proc.output().includes('Reload rejected'), 'the invalid reload to be rejected');
      expect(backend.proc.isRunning()).toBe(true);
      expect((await processStatus(backend, 'keep')).pid).toBe(keepPid);
      expect((await processStatus(backend, 'new')).state).toBe('running');
    });
  });

  describe('when a reload would drop a process READY_REQUIRES waits for', () => {
    it('refuses the new file as a whole and stays ready', async () => {
      const agent = (name: string) => `  - name: ${name}\n    command: node\n    args: ["${fixture('ignore-term.mjs')}"]\n    killTimeoutMs: 200\n`;
      const backend = await startBackend(`processes:\n${agent('web')}${agent('side')}`, { READY_REQUIRES: 'web' });
      const webPid = (await processStatus(backend, 'web')).pid;

      writeConfig(backend.configPath, `processes:\n${agent('wbe')}${agent('side')}`);
      process.kill(backend.proc.pid, 'SIGHUP');
      await waitFor(() => backend.proc.output().includes('Reload rejected'), 'the reload to be rejected');

      expect(backend.proc.output()).toContain('READY_REQUIRES names "web", which the process config does not declare; did you mean "wbe"?');
      expect((await processStatus(backend, 'web')).pid).toBe(webPid);
      expect((await getJson(backend.port, '/api/processes/wbe')).status).toBe(404);
      expect((await getJson(backend.port, '/api/health/ready')).status).toBe(200);
    });
  });
});

/** Running copies of a node command: the lifeline wrapper (sh, until it execs node) is not one. */
function countProcesses(marker: string): number {
  const node = realpathSync(process.execPath);
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker) || readlinkSync(`/proc/${entry}/exe`) !== node) continue;
      if (isAlive(Number(entry))) n += 1;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}
