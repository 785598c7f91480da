import { cleanup, getJson } from './support/harness.js';
import { fixture, post, startBackend, type Backend } from './support/supervisor-harness.js';

const CONFIG = `
processes:
  - name: echo
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
    killTimeoutMs: 200
`;
const TOKEN = 'a-long-enough-test-token-1234';

describe('/api/processes', () => {
  describe('when no API_TOKEN is set and the server listens on loopback', () => {
    // One backend for the block: the reads come first, the case that stops and restarts echo last.
    let backend: Backend;
    beforeAll(async () => {
      backend = await startBackend(CONFIG);
    });
    afterAll(cleanup);

    it('lists declared processes with state, pid, uptime, restarts and last exit', async () => {
      const res = await getJson(backend.port, '/api/processes');

      expect(res.status).toBe(200);
      expect(res.body.processes).toEqual([
        expect.objectContaining({
          name: 'echo',
          state: expect.stringMatching(/starting|running/),
          pid: expect.any(Number),
          uptimeSeconds: expect.any(Number),
          restarts: 0,
          lastExit: null,
        }),
      ]);
    });

    it('answers 404 for an undeclared name and 400 for a malformed one, never 500', async () => {
      const unknown = await getJson(backend.port, '/api/processes/nope');
      const malformed = await getJson(backend.port, '/api/processes/..%2Fetc');
      const unknownStart = await post(backend, '/api/processes/nope/start');
      const unknownAction = await post(backend, '/api/processes/echo/explode');

      expect(unknown).toEqual({
        status: 404,
        body: { statusCode: 404, code: 'UNKNOWN_PROCESS', message: 'No process named "nope" is declared in the process config' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.message).toContain('is not a valid process name');
      expect(unknownStart.status).toBe(404);
      expect(unknownAction.status).toBe(404);
    });

    it('validates ?lines= and returns the captured output', async () => {
      const bad = await getJson(backend.port, '/api/processes/echo/logs?lines=0');
      const huge = await getJson(backend.port, '/api/processes/echo/logs?lines=abc');
      expect(bad.status).toBe(400);
      expect(huge.status).toBe(400);

      const logs = await getJson(backend.port, '/api/processes/echo/logs?lines=5');
      expect(logs.status).toBe(200);
      expect(logs.body.name).toBe('echo');
      expect(Array.isArray(logs.body.lines)).toBe(true);
    });

    it('stops, starts and restarts, returning the new status', async () => {
      const stopped = await post(backend, '/api/processes/echo/stop');
      const started = await post(backend, '/api/processes/echo/start');
      const restarted = await post(backend, '/api/processes/echo/restart');

      expect(stopped.body.state).toBe('stopped');
      expect(started.body.state).toBe('running');
      expect(restarted.body.state).toBe('running');
      expect(restarted.body.pid).not.toBe(started.body.pid);
    });
  });

  describe('when API_TOKEN is set', () => {
    afterEach(cleanup);

    it('requires the bearer token on mutating routes but not on reads', async () => {
      const backend = await startBackend(CONFIG, { API_TOKEN: TOKEN });

      const none = await post(backend, '/api/processes/echo/stop');
      const wrong = await post(backend, '/api/processes/echo/stop', { authorization: `Bearer ${TOKEN}x` });
      const right = await post(backend, '/api/processes/echo/stop', { authorization: `Bearer ${TOKEN}` });

      expect(none.status).toBe(401);
      expect(none.body.message).toContain('Authorization: Bearer');
      expect(wrong.status).toBe(401);
      expect(right.status).toBe(200);
      expect((await getJson(backend.port, '/api/processes/echo')).status).toBe(200);
      expect(JSON.stringify((await getJson(backend.port, '/api/health')).body)).not.toContain(TOKEN);
    });
  });

  describe('when the server listens on a non-loopback address without a token', () => {
    afterEach(cleanup);

    it('refuses mutating routes with 403 and says why', async () => {
      const backend = await startBackend(CONFIG, { HOST: '0.0.0.0' });

      const res = await post(backend, '/api/processes/echo/stop');

      expect(res.status).toBe(403);
      expect(res.body.message).toContain('not loopback, and API_TOKEN is not set');
    });
  });
});
