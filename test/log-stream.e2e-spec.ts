import { jest } from '@jest/globals';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { cleanup, getJson, waitFor } from './support/harness.js';
import { fixture, startBackend, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(120_000);

const config = (burst: number, tickMs = 150, lineBytes = 0) => `
processes:
  - name: ticker
    command: node
    args: ["${fixture('ticker.mjs')}"]
    env: { BURST: "${burst}", TICK_MS: "${tickMs}", LINE_BYTES: "${lineBytes}" }
`;

/** A raw socket that opens the stream and then never reads. */
function nonReadingClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write(`GET /api/processes/ticker/logs/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      resolve(socket);
    });
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

interface Received {
  readonly events: { event: string; id?: number; data: any }[];
  readonly status: number;
  close(): void;
}

/** Opens the log stream and parses its events as they arrive. */
function openStream(port: number, query = '', headers: Record<string, string> = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const events: Received['events'] = [];
    const req: ClientRequest = httpRequest({ host: '127.0.0.1', port, path: `/api/processes/ticker/logs/stream${query}`, headers }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => [...block.matchAll(/^(\w+): (.*)$/gm)].find((m) => m[1] === name)?.[2];
          const event = field('event');
          if (!event) continue;
          const id = field('id');
          events.push({ event, id: id === undefined ? undefined : Number(id), data: JSON.parse(field('data') ?? 'null') });
        }
      });
      res.on('error', () => undefined);
      resolve({ events, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const logLines = (received: Received) => received.events.filter((e) => e.event === 'log');

describe('GET /api/processes/:name/logs/stream', () => {
  let backend: Backend;

  it('sends lines printed after it opened, each with its seq as the id', async () => {
    backend = await startBackend(config(0));
    await waitFor(async () => (await getJson(backend.port, '/api/processes/ticker/logs?lines=1')).body.lines.length > 0, 'a first tick');
    const stream = await openStream(backend.port);
    expect(stream.status).toBe(200);
    await waitFor(() => logLines(stream).length >= 3, 'three live lines');
    stream.close();

    const lines = logLines(stream);
    expect(lines[0].data).toEqual({ seq: lines[0].id, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), stream: 'stdout', text: expect.stringMatching(/^tick \d+$/) });
    // Consecutive seqs, and nothing from before the stream opened: the first tick had been printed already.
    expect(lines.map((l) => l.id! - lines[0].id!)).toEqual(lines.map((_, i) => i));
    expect(lines[0].id).toBeGreaterThan(1);
  });

  it('sends the last ?lines= lines first, and resumes after Last-Event-ID without a gap or a repeat', async () => {
    backend = await startBackend(config(20));
    await waitFor(async () => (await getJson(backend.port, '/api/processes/ticker/logs?lines=500')).body.lines.length >= 20, 'the burst');
    const first = await openStream(backend.port, '?lines=5');
    await waitFor(() => logLines(first).length >= 7, 'backlog and live lines');
    first.close();
    const seen = logLines(first);
    const lastSeen = seen[seen.length - 1].id!;

    const resumed = await openStream(backend.port, '', { 'last-event-id': String(lastSeen) });
    await waitFor(() => logLines(resumed).length >= 2, 'resumed lines');
    resumed.close();

    expect(seen.slice(0, 5).every((l, i) => l.id === seen[0].id! + i)).toBe(true);
    expect(logLines(resumed)[0].id).toBe(lastSeen + 1);
    expect(resumed.events.some((e) => e.event === 'gap')).toBe(false);
  });

  it('reports a gap when the lines after Last-Event-ID are no longer held in memory', async () => {
    // 2000 lines: more than the 500 the store keeps per process.
    backend = await startBackend(config(2000));
    // A live tick delivered through a stream: the backend's view of the newest seq (reported by the
    // log writer every 100 ms, and raised by every line delivered) is then past the burst. Waiting on
    // /logs instead raced that report: the writer answers /logs itself, and an id past the newest the
    // backend has seen means "from now" (an id from an earlier run), so no gap was reported.
    const live = await openStream(backend.port);
    await waitFor(() => logLines(live).some((l) => String(l.data.text).startsWith('tick')), 'a live tick after the burst');
    live.close();
    expect(logLines(live).find((l) => String(l.data.text).startsWith('tick'))!.id).toBeGreaterThan(2000);

    const stream = await openStream(backend.port, '', { 'last-event-id': '1' });
    await waitFor(() => logLines(stream).length >= 1, 'lines after the gap');
    stream.close();

    const gap = stream.events[0];
    expect(gap).toMatchObject({ event: 'gap' });
    expect(gap.data.missed).toBeGreaterThan(1000);
    expect(logLines(stream)[0].id).toBe(1 + gap.data.missed + 1);
  });

  it('answers 404 for an undeclared name and 400 for a bad lines or Last-Event-ID, never 500', async () => {
    backend = await startBackend(config(0));
    const unknown = await getJson(backend.port, '/api/processes/nope/logs/stream');
    const badLines = await getJson(backend.port, '/api/processes/ticker/logs/stream?lines=x');
    const tooMany = await getJson(backend.port, '/api/processes/ticker/logs/stream?lines=100000');
    const badId = await fetch(`http://127.0.0.1:${backend.port}/api/processes/ticker/logs/stream`, { headers: { 'last-event-id': 'abc' } });

    expect(unknown.status).toBe(404);
    expect(badLines.status).toBe(400);
    expect(tooMany.status).toBe(400);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { message: string }).message).toContain('Last-Event-ID');
  });

  it('drops a client that reads nothing while a process floods, and keeps answering others', async () => {
    // 8 KiB lines every millisecond: the client's buffer fills within a second.
    backend = await startBackend(config(0, 1, 8000), { SSE_SLOW_CLIENT_TIMEOUT_MS: '1500' });
    const socket = await nonReadingClient(backend.port);
    await waitFor(() => backend.proc.output().includes('Dropped a slow log stream client of "ticker"'), 'the slow client to be dropped', 60_000);
    socket.destroy();

    const reader = await openStream(backend.port);
    await waitFor(() => logLines(reader).length >= 3, 'a reading client to get lines');
    reader.close();
    expect((await getJson(backend.port, '/api/health/live')).status).toBe(200);
  });

  it('ends open streams at shutdown so the drain does not wait for them', async () => {
    backend = await startBackend(config(0));
    const stream = await openStream(backend.port);
    await waitFor(() => logLines(stream).length >= 1, 'a live line');
    backend.proc.child.kill('SIGTERM');
    const exit = await backend.proc.exited;
    expect(exit.code).toBe(0);
    expect(backend.proc.output()).toContain('close log streams');
    expect(backend.proc.output()).not.toMatch(/drain.*(timed out|forc)/i);
  });
});
