import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { migrate } from '../src/persistence/infrastructure/migrations.js';
import { cleanup, getJson, tempDir, waitFor } from './support/harness.js';
import { fixture, post, startBackend, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(180_000);

const STORED_EVENTS = 200_000;
const IDLE = `
processes:
  - name: idle
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 100
`;

/** Writes `count` events (200 processes x count/200) straight into a migrated database, as a long history would leave it. */
async function fillHistory(dataDir: string, count: number): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dataDir, 'app.db'));
  db.pragma('journal_mode = WAL');
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO process_events (name, instance_index, from_state, to_state, pid, exit_code, signal, reason, at, backend_instance_id)
     VALUES (?, 1, 'running', 'backoff', ?, 1, NULL, 'exited with code 1; restarting in 100 ms (attempt 1)', ?, 'filled-by-test')`,
  );
  const at = new Date().toISOString();
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(`p-${i % 200}`, 1000 + i, at);
  })();
  db.close();
}

/** VmRSS of a process in bytes, from /proc. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** A raw socket that asks for the stream from the first stored event and then never reads. */
function nonReadingClient(port: number, lastEventId = '0'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`);
      resolve(socket);
    });
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** Time for one /api/health/live answer on a fresh connection, ms. */
async function liveMs(port: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/health/live`, { signal: AbortSignal.timeout(20_000) });
  await res.text();
  if (res.status !== 200) throw new Error(`live answered ${res.status}`);
  return performance.now() - t0;
}

/** Status of a GET /api/events; a 200 stream is closed at once. */
function eventsStatus(port: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
      if (res.statusCode === 200) {
        req.destroy();
        return resolve({ status: 200, body: '' });
      }
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter: res.headers['retry-after'] }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

/** Collects the ids of the first `count` events of a stream opened with `lastEventId`, while `trigger` runs. */
function firstEvents(port: number, lastEventId: string, count: number, trigger: () => Promise<unknown>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ids: number[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${ids.length} of ${count} events arrived`)), 20_000);
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { 'last-event-id': lastEventId } }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const match of buffer.matchAll(/^id: (\d+)$/gm)) ids.push(Number(match[1]));
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
        if (ids.length >= count) {
          clearTimeout(timer);
          req.destroy();
          resolve(ids.slice(0, count));
        }
      });
      void trigger();
    });
    req.on('error', (error) => (ids.length >= count ? undefined : reject(error)));
    req.end();
  });
}

describe('GET /api/events under clients that do not read', () => {
  describe('when 15 clients replay a 200k-event history and never read', () => {
    let backend: Backend;
    beforeEach(async () => {
      const dataDir = tempDir();
      await fillHistory(dataDir, STORED_EVENTS);
      backend = await startBackend(IDLE, { SSE_MAX_STREAMS: '15', SSE_SLOW_CLIENT_TIMEOUT_MS: '3000' }, dataDir);
    });

    it('keeps RSS bounded and liveness answering, refuses a 16th stream, and drops the slow ones', async () => {
      // Arrange
      const rssBefore = rssBytes(backend.proc.pid);
      const clients = await Promise.all(Array.from({ length: 15 }, () => nonReadingClient(backend.port)));

      // Act: sample memory and liveness while the replays push against full buffers.
      let peakRss = rssBefore;
      let slowestLive = 0;
      const refused = await eventsStatus(backend.port);
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        slowestLive = Math.max(slowestLive, await liveMs(backend.port));
        peakRss = Math.max(peakRss, rssBytes(backend.proc.pid));
      }
      // Once the slow clients are dropped, their slots are free again.
      await waitFor(async () => (await eventsStatus(backend.port)).status === 200, 'a free stream slot after the slow clients were dropped', 30_000, 200);
      peakRss = Math.max(peakRss, rssBytes(backend.proc.pid));

      // Assert
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('5');
      expect(JSON.parse(refused.body).message).toContain('SSE_MAX_STREAMS=15');
      // The old code buffered the whole replay for each client: over 1 GB here.
      expect(peakRss - rssBefore).toBeLessThan(200 * 1024 * 1024);
      expect(slowestLive).toBeLessThan(5000);
      expect(backend.proc.output()).toContain('Dropped a slow /api/events client');
      for (const socket of clients) socket.destroy();
    });
  });

  describe('when a client reads only after a while', () => {
    it('has received a prefix in id order when it is dropped, and can resume from the last id it got', async () => {
      // Arrange
      const dataDir = tempDir();
      await fillHistory(dataDir, 50_000);
      const backend = await startBackend(IDLE, { SSE_SLOW_CLIENT_TIMEOUT_MS: '1000' }, dataDir);
      const socket = await nonReadingClient(backend.port);
      await waitFor(() => backend.proc.output().includes('Dropped a slow /api/events client'), 'the slow client to be dropped', 30_000);

      // Act: read what reached the socket before the drop.
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.resume();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));

      // Assert
      const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThan(50_000);
      expect(ids).toEqual(ids.map((_, i) => i + 1));
      const resumed = await firstEvents(backend.port, String(ids[ids.length - 1]), 3, async () => undefined);
      expect(resumed).toEqual([ids.length + 1, ids.length + 2, ids.length + 3]);
    });
  });

  describe('when Last-Event-ID is above the newest stored id', () => {
    it('treats it as "from now" and streams new events', async () => {
      // Arrange
      const backend = await startBackend(IDLE);

      // Act
      const ids = await firstEvents(backend.port, '999999999', 2, () => post(backend, '/api/processes/idle/restart'));

      // Assert
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(ids[0]);
      expect(ids[0]).toBeLessThan(999999999);
    });
  });

  describe('when Last-Event-ID is malformed', () => {
    it('answers 400 with a message', async () => {
      const backend = await startBackend(IDLE);

      const res = await eventsStatus(backend.port, { 'last-event-id': '12abc' });

      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).message).toBe('Last-Event-ID must be a whole number');
      expect((await getJson(backend.port, '/api/health/live')).status).toBe(200);
    });
  });
});
