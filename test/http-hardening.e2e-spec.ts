import { jest } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { cleanup, getJson } from './support/harness.js';
import { fixture, post, processStatus, startBackend, waitForLogLine, type Backend } from './support/supervisor-harness.js';

jest.setTimeout(120_000);

const IDLE = `
processes:
  - name: echo
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 200
  - name: ticker
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    instances: 3
    killTimeoutMs: 200
`;

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly bytes: number;
}

/** A request with any headers (fetch cannot set Host); the body is parsed as JSON when there is one. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, bytes: Buffer.byteLength(text) });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} got no answer`)));
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP hardening', () => {
  // One backend per describe, not per case: each start runs four agents, and nothing these
  // cases send changes it (refusals; the one case that stops a process runs last in its block).
  describe('when a request names a Host this server is not', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await startBackend(IDLE);
    });
    afterAll(cleanup);

    it.each(['/api/health/live', '/api/health', '/api/processes', '/api/processes/echo/logs', '/api/events', '/api/nowhere'])(
      'refuses GET %s with 403 before routing (DNS rebinding)',
      async (path) => {
        const res = await send(backend.port, 'GET', path, { host: `evil.example:${backend.port}` });

        expect(res.status).toBe(403);
        expect(res.body).toEqual({
          statusCode: 403,
          code: 'HOST_NOT_ALLOWED',
          message: expect.stringContaining('ALLOWED_HOSTS'),
        });
      },
    );

    it('refuses a POST to a rebound name, and the process keeps running', async () => {
      const res = await send(backend.port, 'POST', '/api/processes/echo/stop', { host: `evil.example:${backend.port}` });

      expect(res.status).toBe(403);
      expect((await processStatus(backend, 'echo')).state).toBe('running');
    });

    it.each(['127.0.0.1', 'localhost', '[::1]'])('answers Host %s with the port', async (name) => {
      const res = await send(backend.port, 'GET', '/api/health/live', { host: `${name}:${backend.port}` });

      expect(res.status).toBe(200);
    });

    it('answers a name listed in ALLOWED_HOSTS', async () => {
      const listed = await startBackend(IDLE, { ALLOWED_HOSTS: 'procguard.lan' });

      expect((await send(listed.port, 'GET', '/api/processes', { host: 'procguard.lan' })).status).toBe(200);
      expect((await send(listed.port, 'GET', '/api/processes', { host: 'other.lan' })).status).toBe(403);
    });
  });

  describe('when another site tries to change a process (loopback, no token)', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await startBackend(IDLE);
    });
    afterAll(cleanup);

    it.each<[string, Record<string, string>, string | undefined, number]>([
      ['a form POST from a foreign Origin', { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 403],
      ['a text/plain fetch from a foreign Origin', { origin: 'http://evil.example', 'content-type': 'text/plain' }, 'x', 403],
      ['a POST from another port of localhost', { origin: 'http://localhost:8080' }, undefined, 403],
      ['a POST marked Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, undefined, 403],
      ['a form POST without Origin', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415],
      ['a text/plain POST without Origin', { 'content-type': 'text/plain' }, 'stop', 415],
    ])('refuses %s, and the process keeps running', async (_label, headers, body, status) => {
      // Act
      const res = await send(backend.port, 'POST', '/api/processes/echo/stop', headers, body);

      // Assert
      expect(res.status).toBe(status);
      expect(res.body.message).toEqual(expect.any(String));
      expect((await processStatus(backend, 'echo')).state).toBe('running');
    });

    // Last in this block: it restarts and stops echo.
    it('accepts its own origin, an empty POST and a JSON body', async () => {
      const own = await send(backend.port, 'POST', '/api/processes/echo/restart', { origin: `http://127.0.0.1:${backend.port}` });
      const json = await send(backend.port, 'POST', '/api/processes/echo/restart', { 'content-type': 'application/json' }, '{}');
      const empty = await post(backend, '/api/processes/echo/stop');

      expect(own.status).toBe(200);
      expect(json.status).toBe(200);
      expect(empty.status).toBe(200);
      expect(empty.body.state).toBe('stopped');
    });
  });

  describe('when a process prints 500 lines of 64 KiB', () => {
    afterEach(cleanup);

    it('answers logs?lines=500 within the ring budget, says the lines were cut, and keeps liveness quick under 20 in parallel', async () => {
      // Arrange
      const backend = await startBackend(`
processes:
  - name: shouter
    command: node
    args: ["${fixture('long-lines.mjs')}"]
    killTimeoutMs: 200
`);
      await waitForLogLine(backend, 'shouter', 'long-lines done');

      // Act
      const one = await send(backend.port, 'GET', '/api/processes/shouter/logs?lines=500');
      const parallel = Array.from({ length: 20 }, () => send(backend.port, 'GET', '/api/processes/shouter/logs?lines=500'));
      const t0 = performance.now();
      const live = await getJson(backend.port, '/api/health/live');
      const liveMs = performance.now() - t0;
      const answers = await Promise.all(parallel);

      // Assert: the old code answered 32 MB here.
      expect(one.status).toBe(200);
      expect(one.bytes).toBeLessThan(400 * 1024);
      expect(one.body.truncated).toBe(true);
      expect(one.body.lines.some((l: string) => / …\[truncated: \d+ bytes\]$/.test(l))).toBe(true);
      expect(answers.every((a) => a.status === 200 && a.bytes < 400 * 1024)).toBe(true);
      expect(live.status).toBe(200);
      expect(liveMs).toBeLessThan(5000);
    });

    it('says truncated: false for short lines', async () => {
      const backend = await startBackend(IDLE);
      await waitForLogLine(backend, 'echo', 'ignore-term started');

      const res = await getJson(backend.port, '/api/processes/echo/logs?lines=10');

      expect(res.body.truncated).toBe(false);
    });
  });

  describe('when a name is not an instance name', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await startBackend(IDLE);
    });
    afterAll(cleanup);

    it('answers 404 for a spec name with instances, naming them', async () => {
      const status = await getJson(backend.port, '/api/processes/ticker');
      const logs = await getJson(backend.port, '/api/processes/ticker/logs');
      const stop = await post(backend, '/api/processes/ticker/stop');
      const history = await getJson(backend.port, '/api/processes/ticker/history');

      for (const res of [status, logs, stop, history]) {
        expect(res.status).toBe(404);
        expect(res.body.message).toContain('"ticker" has 3 instances, use one of their names: ticker-1, ticker-2, ticker-3');
      }
    });

    it('answers 404 for the history of an undeclared name, with or without before', async () => {
      const plain = await getJson(backend.port, '/api/processes/nobody/history');
      const paged = await getJson(backend.port, '/api/processes/nobody/history?before=5');
      const declared = await getJson(backend.port, '/api/processes/echo/history?before=1');

      expect(plain.status).toBe(404);
      expect(paged.status).toBe(404);
      expect(paged.body.message).toBe('No process named "nobody" is declared or has history');
      expect(declared).toMatchObject({ status: 200, body: { name: 'echo', events: [], nextBefore: null } });
    });
  });
});
