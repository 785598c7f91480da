import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { cleanup, getJson, isAlive, spawnProcess, startInstance, waitExit, waitFor, waitReady } from './support/harness.js';
import { fixture, post, processStatus, startBackend } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(60000);

// A shell, not a Node crasher: each crash costs a fork, not a Node start, so the events pile up in seconds.
const crashLoop = (extra = '') => `
processes:
  - name: looper
    command: sh
    args: ["-c", "echo looper started; exit 1"]
    backoff: { initialDelayMs: 0, factor: 1, maxDelayMs: 0, resetAfterMs: 60000 }
    maxRestarts: 100000
    restartWindowMs: 1000
${extra}`;

async function openDb(path: string) {
  const { default: Database } = await import('better-sqlite3');
  return new Database(path, { readonly: true });
}

describe('durable state (SQLite event log, desired state, reconciler)', () => {
  describe('when the backend is killed with SIGKILL during a crash loop', () => {
    it('reopens cleanly with every committed event, and honours what the operator stopped', async () => {
      const yaml = crashLoop(`  - name: parked\n    command: node\n    args: ["${fixture('ignore-term.mjs')}"]\n    killTimeoutMs: 200\n`);
      const first = await startBackend(yaml);
      await post(first, '/api/processes/parked/stop');
      await waitFor(() => readFileSync(join(first.dataDir, 'events.jsonl'), 'utf8').split('\n').length > 150, 'a hundred and fifty events', 40000);

      process.kill(first.proc.pid, 'SIGKILL');
      await waitExit(first.proc);
      const written = readFileSync(join(first.dataDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

      const second = startInstance({ dataDir: first.dataDir, port: first.port, env: { PROCESSES_CONFIG: first.configPath } });
      await waitReady(second, first.port);
      const backend = { ...first, proc: second };

      const db = await openDb(join(first.dataDir, 'app.db'));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((db.prepare('SELECT id FROM process_events').all() as { id: number }[]).map((r) => r.id));
      db.close();
      // The JSON-lines sink is written after each commit: everything it saw is in the database.
      expect(written.filter((e) => e.id > 0 && !ids.has(e.id))).toEqual([]);
      expect((await processStatus(backend, 'parked')).state).toBe('stopped');
      expect(second.output()).toContain('parked: left stopped, as an operator asked');
    });
  });

  describe('when a process crash-loops past the retention', () => {
    it('keeps only the newest EVENT_RETENTION events of it', async () => {
      const backend = await startBackend(crashLoop(), { EVENT_RETENTION: '20' });
      await waitFor(() => readFileSync(join(backend.dataDir, 'events.jsonl'), 'utf8').split('\n').length > 120, 'over 100 events', 40000);

      const history = await getJson(backend.port, '/api/processes/looper/history?limit=500');

      expect(history.status).toBe(200);
      expect(history.body.events.length).toBeLessThanOrEqual(20);
      const ids = history.body.events.map((e: { id: number }) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });
  });

  describe('when history is paged', () => {
    it('answers newest first with a cursor, and rejects bad input with 400/404', async () => {
      const backend = await startBackend(crashLoop());
      await waitFor(async () => (await getJson(backend.port, '/api/processes/looper/history?limit=30')).body.events.length === 30, 'thirty events');

      const page1 = (await getJson(backend.port, '/api/processes/looper/history?limit=10')).body;
      const page2 = (await getJson(backend.port, `/api/processes/looper/history?limit=10&before=${page1.nextBefore}`)).body;

      expect(page1.events).toHaveLength(10);
      expect(page2.events[0].id).toBeLessThan(page1.events[9].id);
      expect(page1.events[0]).toMatchObject({ name: 'looper', index: 1, from: expect.any(String), to: expect.any(String), backendInstanceId: expect.any(String) });
      expect((await getJson(backend.port, '/api/processes/looper/history?limit=0')).status).toBe(400);
      expect((await getJson(backend.port, '/api/processes/looper/history?before=x')).status).toBe(400);
      expect((await getJson(backend.port, '/api/processes/nobody/history')).status).toBe(404);
    });
  });

  describe('when a child is killed behind the supervisor’s back', () => {
    it('is started again by the reconciler, recorded as a correction; a foreign copy is never adopted', async () => {
      const backend = await startBackend(
        `
processes:
  - name: fragile
    command: node
    args: ["${fixture('sleeper.mjs')}"]
    autorestart: never
`,
        { RECONCILE_INTERVAL_MS: '200' },
      );
      await post(backend, '/api/processes/fragile/start');
      const { pid } = await processStatus(backend, 'fragile');
      const foreign = spawnProcess(process.execPath, [fixture('sleeper.mjs')]);

      process.kill(pid, 'SIGKILL');

      const again = await waitFor(async () => {
        const s = await processStatus(backend, 'fragile');
        return s.state === 'running' && s.pid !== pid ? s : null;
      }, 'the reconciler to start fragile again');
      expect(again.pid).not.toBe(foreign.pid);
      expect(isAlive(foreign.pid)).toBe(true);
      const history = (await getJson(backend.port, '/api/processes/fragile/history')).body.events;
      expect(history.some((e: { reason: string }) => e.reason === 'reconciler: desired running, found stopped')).toBe(true);
    });
  });

  describe('when a client follows /api/events', () => {
    it('streams events in order and resumes from Last-Event-ID', async () => {
      const backend = await startBackend(`
processes:
  - name: idle
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 100
`);
      const first = await readEvents(backend.port, undefined, 4, () => post(backend, '/api/processes/idle/restart'));
      const ids = first.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(first.map((e) => `${e.data.from}->${e.data.to}`)).toEqual(['running->stopping', 'stopping->stopped', 'stopped->starting', 'starting->running']);

      await post(backend, '/api/processes/idle/restart');
      const resumed = await readEvents(backend.port, String(ids[1]), 6);

      expect(resumed.map((e) => e.id)).toEqual([ids[2], ids[3], ids[3] + 1, ids[3] + 2, ids[3] + 3, ids[3] + 4]);
    });
  });
});

interface SseEvent {
  id: number;
  data: { from: string; to: string };
}

/** Opens /api/events, optionally triggers something, collects `count` events, closes. */
function readEvents(port: number, lastEventId: string | undefined, count: number, trigger?: () => Promise<unknown>): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${count} events arrived`)), 15000);
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/api/events', headers: lastEventId ? { 'last-event-id': lastEventId } : {} },
      (res: IncomingMessage) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (\d+)$/m.exec(block);
            const data = /^data: (.*)$/m.exec(block);
            if (id && data) events.push({ id: Number(id[1]), data: JSON.parse(data[1]) });
            if (events.length === count) {
              clearTimeout(timer);
              req.destroy();
              resolve(events);
              return;
            }
          }
        });
        if (trigger) void trigger();
      },
    );
    req.on('error', (error) => (events.length === count ? undefined : reject(error)));
    req.end();
  });
}
