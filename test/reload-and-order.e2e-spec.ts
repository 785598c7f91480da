import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { cleanup, freePort, getJson, startInstance, tempDir, waitExit, waitFor } from './support/harness.js';
import { fixture, post, processStatus, startBackend, writeConfig, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Live (non-zombie) processes whose command line holds `tag`, and live children of `ppid`. */
function liveProcesses(): { pid: number; ppid: number; cmdline: string }[] {
  const found: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      found.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** An agent whose first act (within a millisecond of its spawn) is to create `file`. */
const toucher = (file: string) =>
  `processes:\n  - name: toucher\n    command: sh\n    args: ["-c", "echo started >> \\"$0\\"; exec sleep 30", "${file}"]\n`;

const tagged = (tag: string) => liveProcesses().filter((p) => p.cmdline.includes(tag)).map((p) => p.pid).sort((a, b) => a - b);
/** The backend's children: its agents, and the one log writer that owns their output pipes. */
function childrenOf(pid: number): { agents: number[]; logWriters: number } {
  const children = liveProcesses().filter((p) => p.ppid === pid);
  const isWriter = (p: { cmdline: string }) => p.cmdline.includes('log-writer.main.js');
  return { agents: children.filter((p) => !isWriter(p)).map((p) => p.pid).sort((a, b) => a - b), logWriters: children.filter(isWriter).length };
}

describe('config reloads and start order', () => {
  describe('when SIGHUPs arrive faster than reloads finish, with the file changing between them', () => {
    it('ends on the last file, and the API lists exactly the children that exist; shutdown leaves none', async () => {
      // Each stop takes killTimeoutMs (the agents ignore SIGTERM), so reloads overlap unless serialised.
      const tag = `reload-${randomUUID()}`;
      const agent = (version: string, extra = '') =>
        `    command: node\n    args: ["${fixture('ignore-term.mjs')}", "${tag}", "${version}"]\n    killTimeoutMs: 150\n${extra}`;
      const versionA = `processes:\n  - name: steady\n${agent('same')}  - name: alpha\n${agent('A', '    instances: 2\n')}  - name: beta\n${agent('A')}`;
      const versionB = `processes:\n  - name: steady\n${agent('same')}  - name: alpha\n${agent('B', '    instances: 3\n')}  - name: gamma\n${agent('B')}`;
      const backend = await startBackend(versionA);
      const steadyPid = (await processStatus(backend, 'steady')).pid;

      // Act: 24 rewrites and SIGHUPs, mostly 5 ms apart, every third a few hundred ms; the last file is B.
      // Meanwhile an operator keeps asking to start instances that come and go.
      const answers: number[] = [];
      for (let i = 0; i < 24; i++) {
        writeConfig(backend.configPath, i % 2 === 1 ? versionB : versionA);
        process.kill(backend.proc.pid, 'SIGHUP');
        for (const name of ['alpha-1', 'alpha-3', 'beta', 'gamma']) {
          void post(backend, `/api/processes/${name}/start`).then((r) => answers.push(r.status));
        }
        await pause(i % 3 === 2 ? 300 : 5);
      }
      const listed = await waitFor(async () => {
        const out = backend.proc.output();
        // Settled: a reload finished after the last SIGHUP was taken in, and everything it started runs.
        if (out.lastIndexOf('Reloaded ') < out.lastIndexOf('SIGHUP: reloading')) return null;
        const all: { name: string; state: string; pid: number | null }[] = (await getJson(backend.port, '/api/processes')).body.processes;
        return all.every((p) => p.state === 'running') ? all : null;
      }, 'the reloads to settle', 45_000);

      // Assert
      await waitFor(() => answers.length === 96, 'every operator start to be answered');
      // Started, not declared (now), or busy being replaced: never a server error.
      expect(answers.filter((status) => ![200, 404, 409].includes(status))).toEqual([]);
      // Signals 5 ms apart may merge in the kernel (a pending SIGHUP is not queued twice); the 300 ms ones never do.
      expect(backend.proc.output().match(/SIGHUP: reloading/g)!.length).toBeGreaterThanOrEqual(8);
      expect(listed.map((p) => p.name).sort()).toEqual(['alpha-1', 'alpha-2', 'alpha-3', 'gamma', 'steady']);
      const listedPids = listed.map((p) => p.pid!).sort((a, b) => a - b);
      expect(childrenOf(backend.proc.pid)).toEqual({ agents: listedPids, logWriters: 1 });
      expect(tagged(tag)).toEqual(listedPids);
      for (const p of listed.filter((p) => p.name !== 'steady')) {
        expect(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')).toContain('\0B\0');
      }
      // An unchanged declaration is never touched by a reload.
      expect(listed.find((p) => p.name === 'steady')!.pid).toBe(steadyPid);

      process.kill(backend.proc.pid, 'SIGTERM');
      const exit = await waitExit(backend.proc, 30_000);
      expect(exit.code).toBe(0);
      await waitFor(() => tagged(tag).length === 0, 'every agent to be gone');
    }, 120_000);
  });

  describe('when SIGTERM arrives while a reload is starting and stopping agents', () => {
    it('stops everything, including what the reload was starting', async () => {
      const tag = `reload-term-${randomUUID()}`;
      const agent = (version: string) =>
        `    command: node\n    args: ["${fixture('ignore-term.mjs')}", "${tag}", "${version}"]\n    killTimeoutMs: 300\n    instances: 3\n`;
      const backend = await startBackend(`processes:\n  - name: old\n${agent('A')}`);
      writeConfig(backend.configPath, `processes:\n  - name: old\n${agent('B')}  - name: fresh\n${agent('B')}`);

      // Act: the reload is busy stopping `old` (300 ms) when SIGTERM comes.
      process.kill(backend.proc.pid, 'SIGHUP');
      await waitFor(() => backend.proc.output().includes('SIGHUP: reloading'), 'the reload to begin');
      process.kill(backend.proc.pid, 'SIGTERM');
      const exit = await waitExit(backend.proc, 30_000);

      // Assert
      expect(exit.code).toBe(0);
      await waitFor(() => tagged(tag).length === 0, 'every agent to be gone');
    });
  });

  describe('when the HTTP port is already taken', () => {
    let blocker: Server | null = null;

    afterEach(async () => {
      await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
      blocker = null;
    });

    it('exits 4 before any agent has started', async () => {
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
      const dataDir = tempDir();
      const sideEffect = join(dataDir, 'agent-ran');
      const configPath = join(dataDir, 'processes.yaml');
      writeConfig(configPath, toucher(sideEffect));

      const proc = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: configPath } });
      const exit = await waitExit(proc, 30_000);

      expect(existsSync(sideEffect)).toBe(false);
      expect(exit.code).toBe(4);
      expect(proc.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    });
  });

  describe('when SIGTERM arrives while the backend is still starting', () => {
    it('exits cleanly without ever starting an agent', async () => {
      const dataDir = tempDir();
      const sideEffect = join(dataDir, 'agent-ran');
      const configPath = join(dataDir, 'processes.yaml');
      writeConfig(configPath, toucher(sideEffect));
      const port = await freePort();

      const proc = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: configPath, SHUTDOWN_TIMEOUT_MS: '20000' } });
      // Sent from the output handler itself: the lock is held, Nest is not loaded yet.
      let signalled = false;
      proc.child.stdout!.on('data', (chunk: Buffer) => {
        if (!signalled && chunk.toString().includes('Holding the instance lock')) {
          signalled = true;
          process.kill(proc.pid, 'SIGTERM');
        }
      });
      const exit = await waitExit(proc, 30_000);

      expect(signalled).toBe(true);
      expect(existsSync(sideEffect)).toBe(false);
      expect(exit.code).toBe(0);
      expect(proc.output()).toContain('Start-up cut short: shutdown has begun');
    });
  });

  describe('when a crash-looping agent meets a fast reconciler', () => {
    it('restarts it exactly maxRestarts times, then marks it failed; the reconciler never steps in', async () => {
      const backend: Backend = await startBackend(
        `processes:\n  - name: crasher\n    command: node\n    args: ["${fixture('crasher.mjs')}"]\n` +
          `    maxRestarts: 5\n    backoff: { initialDelayMs: 0, factor: 1, maxDelayMs: 0, resetAfterMs: 60000 }\n`,
        { RECONCILE_INTERVAL_MS: '10' },
      );

      const failed = await waitFor(async () => {
        const s = await processStatus(backend, 'crasher');
        return s.state === 'failed' ? s : null;
      }, 'the crasher to be marked failed', 45_000);

      expect(failed.restarts).toBe(5);
      const events: { to: string; reason: string }[] = await waitFor(async () => {
        const page = (await getJson(backend.port, '/api/processes/crasher/history?limit=200')).body.events;
        return page.some((e: { to: string }) => e.to === 'failed') ? page : null;
      }, 'the failure to be recorded');
      expect(events.filter((e) => e.to === 'starting')).toHaveLength(6);
      expect(events.filter((e) => e.reason.startsWith('reconciler:'))).toEqual([]);
      expect(backend.proc.output()).not.toContain('is no longer the process it started');
    }, 120_000);
  });

  describe('when an operator starts a crasher whose policy leaves it stopped (autorestart "never")', () => {
    it('lets the reconciler restart it only from the maxRestarts budget, then marks it failed', async () => {
      const backend: Backend = await startBackend(
        `processes:\n  - name: once\n    command: node\n    args: ["${fixture('crasher.mjs')}"]\n    autorestart: never\n    maxRestarts: 3\n`,
        { RECONCILE_INTERVAL_MS: '20' },
      );
      await post(backend, '/api/processes/once/start');

      const failed = await waitFor(async () => {
        const s = await processStatus(backend, 'once');
        return s.state === 'failed' ? s : null;
      }, 'the reconciler to give up', 45_000);

      expect(failed.restarts).toBe(3);
      expect(failed.reason).toContain('(maxRestarts 3)');
      const events: { to: string; reason: string }[] = await waitFor(async () => {
        const page = (await getJson(backend.port, '/api/processes/once/history?limit=200')).body.events;
        return page.some((e: { to: string }) => e.to === 'failed') ? page : null;
      }, 'the failure to be recorded');
      // The reconciler's starts are the budget; the boot start and the operator's may be one
      // start or two (the crasher may exit before the POST arrives on a loaded machine).
      expect(events.filter((e) => e.to === 'starting' && e.reason.startsWith('reconciler:'))).toHaveLength(3);
    }, 120_000);
  });
});
