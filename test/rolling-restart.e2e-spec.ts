import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePorts, getJson, isAlive, tempDir, waitExit, waitFor } from './support/harness.js';
import { fixture, post, processStatus, startBackend, writeConfig, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);

/** Two instances of roll-server behind their own ports (base, base + 1), ready by a TCP probe. */
function config(base: number, options: { version?: string; startupMs?: number; neverFile?: string } = {}): string {
  const args = [fixture('roll-server.mjs'), String(options.startupMs ?? 300), ...(options.neverFile ? [options.neverFile] : [])];
  return (
    `processes:\n  - name: web\n    command: node\n    args: ${JSON.stringify(args)}\n    instances: 2\n    port: ${base}\n` +
    `    env: { VERSION: "${options.version ?? 'A'}" }\n    killTimeoutMs: 2000\n` +
    `    readiness: { tcp: true, intervalMs: 100, timeoutMs: 200, failureThreshold: 3, startupGraceMs: 6000 }\n`
  );
}

async function answers(port: number): Promise<{ pid: number; version: string } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as { pid: number; version: string };
  } catch {
    return null;
  }
}

/**
 * Polls both ports back to back until stopped: each round records which answered. A round
 * in which neither answered is a moment both instances were down.
 */
function pollBoth(ports: [number, number]) {
  const rounds: [boolean, boolean][] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const [a, b] = await Promise.all(ports.map(answers));
      rounds.push([a !== null, b !== null]);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    rounds,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function bothRunning(backend: Backend): Promise<{ name: string; pid: number; state: string }[]> {
  let last: unknown = null;
  return waitFor(async () => {
    const all = (await getJson(backend.port, '/api/processes')).body.processes as { name: string; pid: number; state: string }[];
    last = all.map((p) => ({ name: p.name, pid: p.pid, state: p.state, reason: (p as { reason?: string }).reason }));
    return all.length === 2 && all.every((p) => p.state === 'running') ? all : null;
  }, 'both instances running', 30_000).catch((error: Error) => {
    // Which state each was in, and what the backend said, instead of the timeout alone.
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}\n--- backend output ---\n${backend.proc.output()}`);
  });
}

describe('rolling restart', () => {
  describe('POST /api/processes/web/rolling-restart with HTTP load on both instances', () => {
    it('replaces both, one at a time: in no polling round were both ports down', async () => {
      // Arrange
      const base = await freePorts(2);
      const backend = await startBackend(config(base));
      const before = await bothRunning(backend);
      const load = pollBoth([base, base + 1]);
      await waitFor(() => load.rounds.length > 5, 'the load to start');

      // Act
      const res = await post(backend, '/api/processes/web/rolling-restart');
      await load.stop();

      // Assert
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ spec: 'web', source: 'api', ok: true, replaced: ['web-1', 'web-2'], failed: null, untouched: [] });
      const after = await bothRunning(backend);
      for (const name of ['web-1', 'web-2']) {
        expect(after.find((p) => p.name === name)!.pid).not.toBe(before.find((p) => p.name === name)!.pid);
      }
      // The roll was seen: each port was down for a while (the poll can see downtime) ...
      expect(load.rounds.some(([a]) => !a)).toBe(true);
      expect(load.rounds.some(([, b]) => !b)).toBe(true);
      // ... but never both in the same round.
      expect(load.rounds.filter(([a, b]) => !a && !b)).toEqual([]);
    });

    it('answers 409 to a second roll while the first runs, and 404 to a name that is no spec', async () => {
      const base = await freePorts(2);
      const backend = await startBackend(config(base, { startupMs: 1500 }));
      await bothRunning(backend);

      const first = post(backend, '/api/processes/web/rolling-restart');
      await waitFor(async () => (await processStatus(backend, 'web-1')).state === 'starting', 'web-1 to be replaced');
      const second = await post(backend, '/api/processes/web/rolling-restart');
      const unknown = await post(backend, '/api/processes/nope/rolling-restart');

      expect(second.status).toBe(409);
      expect(second.body.message).toMatch(/rolling restart/);
      expect(unknown.status).toBe(404);
      expect((await first).body).toMatchObject({ ok: true, replaced: ['web-1', 'web-2'] });
    });
  });

  describe('as a mutation', () => {
    it('needs the bearer token when API_TOKEN is set, and refuses a cross-site request', async () => {
      const base = await freePorts(2);
      const token = 'rolling-token-0123456789';
      const backend = await startBackend(config(base), { API_TOKEN: token });
      const before = await bothRunning(backend);

      const anonymous = await post(backend, '/api/processes/web/rolling-restart');
      const crossSite = await post(backend, '/api/processes/web/rolling-restart', { authorization: `Bearer ${token}`, origin: 'http://evil.example' });

      expect(anonymous.status).toBe(401);
      expect(crossSite.status).toBe(403);
      expect((await bothRunning(backend)).map((p) => p.pid)).toEqual(before.map((p) => p.pid));
      const allowed = await post(backend, '/api/processes/web/rolling-restart', { authorization: `Bearer ${token}` });
      expect(allowed.status).toBe(200);
    });
  });

  describe('a SIGHUP that changes a spec with two instances', () => {
    it('rolls it: both end on the new declaration, and in no polling round were both ports down', async () => {
      const base = await freePorts(2);
      const backend = await startBackend(config(base, { version: 'A' }));
      await bothRunning(backend);
      const load = pollBoth([base, base + 1]);
      await waitFor(() => load.rounds.length > 5, 'the load to start');

      writeConfig(backend.configPath, config(base, { version: 'B' }));
      process.kill(backend.proc.pid, 'SIGHUP');
      await waitFor(async () => (await answers(base))?.version === 'B' && (await answers(base + 1))?.version === 'B', 'both instances on B', 30_000);
      await load.stop();

      expect(load.rounds.some(([a]) => !a) && load.rounds.some(([, b]) => !b)).toBe(true);
      expect(load.rounds.filter(([a, b]) => !a && !b)).toEqual([]);
      await waitFor(() => /rolling restart of "web" \(reload\) done: 2 replaced/.test(backend.proc.output()), 'the roll to be logged');
    });
  });

  describe('when the replacement never becomes ready', () => {
    it('stops the roll at it: 409, the other instance keeps running untouched, the event says so', async () => {
      // Arrange: the file makes every new start of roll-server never listen.
      const base = await freePorts(2);
      const dataDir = tempDir();
      const neverFile = join(dataDir, 'never-ready');
      const backend = await startBackend(config(base, { neverFile }), {}, dataDir);
      const before = await bothRunning(backend);
      writeFileSync(neverFile, '');

      // Act
      const res = await post(backend, '/api/processes/web/rolling-restart');

      // Assert
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ ok: false, replaced: [], untouched: ['web-2'], failed: { name: 'web-1' } });
      expect(res.body.failed.reason).toMatch(/did not become ready/);
      const web2 = await processStatus(backend, 'web-2');
      expect(web2).toMatchObject({ state: 'running', pid: before.find((p) => p.name === 'web-2')!.pid });
      expect((await answers(base + 1))?.pid).toBe(web2.pid);
      const events = (await getJson(backend.port, '/api/processes/web-1/history?limit=20')).body.events as { reason: string }[];
      expect(events.some((e) => /rolling restart of "web" \(api\) stopped: web-1 did not become ready.*web-2 left running as before/.test(e.reason))).toBe(true);
    });
  });

  describe('overlaps', () => {
    it('a kill of the new instance while it starts stops the roll, reported; the old one after it keeps running', async () => {
      const base = await freePorts(2);
      const backend = await startBackend(config(base, { startupMs: 3000 }));
      const before = await bothRunning(backend);
      const oldPid = before.find((p) => p.name === 'web-1')!.pid;

      const roll = post(backend, '/api/processes/web/rolling-restart');
      const fresh = await waitFor(async () => {
        const s = await processStatus(backend, 'web-1');
        return s.state === 'starting' && s.pid !== null && s.pid !== oldPid ? s : null;
      }, 'the replacement of web-1 to be starting');
      process.kill(fresh.pid, 'SIGKILL');
      const res = await roll;

      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ ok: false, failed: { name: 'web-1' }, untouched: ['web-2'] });
      expect(res.body.failed.reason).toMatch(/SIGKILL/);
      expect((await processStatus(backend, 'web-2')).pid).toBe(before.find((p) => p.name === 'web-2')!.pid);
    });

    it('SIGTERM during a roll: the backend stops every instance and exits 0, starting nothing more', async () => {
      const base = await freePorts(2);
      const backend = await startBackend(config(base, { startupMs: 3000 }));
      const before = await bothRunning(backend);
      const oldPid = before.find((p) => p.name === 'web-1')!.pid;
      const web2Pid = before.find((p) => p.name === 'web-2')!.pid;

      void post(backend, '/api/processes/web/rolling-restart').catch(() => undefined);
      const fresh = await waitFor(async () => {
        const s = await processStatus(backend, 'web-1');
        return s.state === 'starting' && s.pid !== null && s.pid !== oldPid ? s : null;
      }, 'the replacement of web-1 to be starting');
      process.kill(backend.proc.pid, 'SIGTERM');
      const exit = await waitExit(backend.proc, 20_000);

      expect(exit.code).toBe(0);
      expect(isAlive(fresh.pid)).toBe(false);
      expect(isAlive(web2Pid)).toBe(false);
      // web-2 was stopped by the shutdown, never restarted by the roll.
      expect(backend.proc.output()).not.toMatch(/web-2: .*rolling restart/);
      expect(existsSync(join(backend.dataDir, 'backend.pid'))).toBe(false);
    });
  });
});
