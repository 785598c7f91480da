import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { cleanup, FIXTURES, freePort, getJson, httpGet as get, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';

afterEach(cleanup);

const SLOW_SERVER = join(FIXTURES, 'slow-server.mjs');

describe('graceful shutdown', () => {
  describe('when SIGTERM arrives during a slow request', () => {
    it('finishes the request, flips readiness to 503, releases the lock and exits 0', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port, script: SLOW_SERVER });
      await waitReady(inst, port);
      const agent = new Agent({ keepAlive: true, maxSockets: 2 });
      await get(port, '/api/health/live', agent); // opens a keep-alive socket for later
      const slow = get(port, '/api/slow?ms=1500');
      await waitFor(() => inst.output().includes('slow request started'), 'the slow request to reach the server');

      process.kill(inst.pid, 'SIGTERM');
      await waitFor(() => inst.output().includes('Shutting down (SIGTERM)'), 'shutdown to begin');
      const ready = await get(port, '/api/health/ready', agent);

      expect(ready.status).toBe(503);
      expect(ready.headers.connection).toBe('close');
      expect(JSON.parse(ready.body).details.lifecycle).toEqual({ status: 'down', state: 'stopping' });
      const done = await slow;
      expect(done.status).toBe(200);
      expect(JSON.parse(done.body)).toEqual({ done: true });
      expect(await waitExit(inst)).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
      expect(inst.output()).toMatch(/drain HTTP connections[\s\S]*close Nest application[\s\S]*close database[\s\S]*release instance lock/);
      agent.destroy();
    });
  });

  describe('when nothing is in flight', () => {
    it('exits 0 on SIGINT with idle keep-alive connections open', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      const agent = new Agent({ keepAlive: true });
      await get(port, '/api/health', agent);

      process.kill(inst.pid, 'SIGINT');

      expect(await waitExit(inst, 5000)).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
      // The integration-express project runs this file again on Express: the server says which one it ran on.
      expect(inst.output()).toContain(`(health: /api/health, on ${process.env.HTTP_PLATFORM ?? 'fastify'})`);
      agent.destroy();
    });
  });

  describe('when a request outlives SHUTDOWN_TIMEOUT_MS', () => {
    it('forces exit with code 1 and still releases the lock', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port, script: SLOW_SERVER, env: { SHUTDOWN_TIMEOUT_MS: '600' } });
      await waitReady(inst, port);
      const slow = get(port, '/api/slow?ms=30000').catch((error: Error) => error);
      await waitFor(() => inst.output().includes('slow request started'), 'the slow request to reach the server');

      process.kill(inst.pid, 'SIGTERM');

      expect(await waitExit(inst, 5000)).toEqual({ code: 1, signal: null });
      expect(inst.output()).toContain('still busy at the deadline were cut');
      expect(String(await slow)).toMatch(/socket hang up|ECONNRESET/);
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when a second signal arrives during shutdown, after the repeat window', () => {
    it('forces exit at once and releases the lock', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port, script: SLOW_SERVER, env: { SHUTDOWN_TIMEOUT_MS: '30000' } });
      await waitReady(inst, port);
      void get(port, '/api/slow?ms=20000').catch(() => undefined);
      await waitFor(() => inst.output().includes('slow request started'), 'the slow request to reach the server');
      process.kill(inst.pid, 'SIGTERM');
      const sentAt = Date.now();
      await waitFor(() => inst.output().includes('Shutting down'), 'shutdown to begin');
      // A repeat within the first second is coalesced (Ctrl+C arrives twice); a later one forces.
      await waitFor(() => Date.now() - sentAt > 1200, 'the repeat window to pass', 5000);

      process.kill(inst.pid, 'SIGINT');

      expect(await waitExit(inst, 5000)).toEqual({ code: 1, signal: null });
      expect(inst.output()).toContain('SIGINT received again during shutdown');
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });
  });

  describe('when the instance shuts down', () => {
    it('checkpoints the WAL and records the run as stopped', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const inst = startInstance({ dataDir, port });
      await waitReady(inst, port);
      const { instanceId } = (await getJson(port, '/api/health')).body;

      process.kill(inst.pid, 'SIGTERM');
      await waitExit(inst);
      const walLeft = existsSync(join(dataDir, 'app.db-wal'));

      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataDir, 'app.db'), { readonly: true });
      const run = db.prepare('SELECT stop_reason, stopped_at FROM instance_runs WHERE instance_id = ?').get(instanceId) as {
        stop_reason: string;
        stopped_at: string | null;
      };
      db.close();
      expect(run.stop_reason).toBe('shutdown');
      expect(run.stopped_at).not.toBeNull();
      expect(walLeft).toBe(false);
    });
  });
});
