import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseFollower, type SseMessage } from '../src/cli/operator/sse-follower.js';
import { OperatorError } from '../src/cli/operator/operator-exit.js';
import { waitFor } from './support/harness.js';

/** A real HTTP server whose handler the test writes; it records each request's Last-Event-ID. */
async function sseServer(handle: (req: IncomingMessage, res: ServerResponse, attempt: number) => void): Promise<{ server: Server; url: string; lastIds: (string | undefined)[] }> {
  const lastIds: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    lastIds.push(req.headers['last-event-id'] as string | undefined);
    handle(req, res, lastIds.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastIds };
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

describe('SseFollower', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = null;
  });

  describe('when the server cuts the socket mid-stream', () => {
    it('reconnects after the retry delay with Last-Event-ID set to the last id it got, and parses every field', async () => {
      const s = await sseServer((_req, res, attempt) => {
        sse(res);
        if (attempt === 1) {
          res.write('retry: 50\n\n: heartbeat\n\nid: 1\nevent: log\ndata: {"a":1}\n\nid: 2\nevent: log\ndata: line one\ndata: line two\n\n');
          // A partial event, then the socket is destroyed: it must not be delivered.
          setTimeout(() => {
            res.write('id: 3\nevent: log\ndata: cut');
            res.socket?.destroy();
          }, 20);
        } else {
          res.write('id: 3\nevent: gap\ndata: {"missed":0}\n\n');
        }
      });
      server = s.server;
      const got: SseMessage[] = [];
      const lost: string[] = [];
      const follower = new SseFollower({
        path: (resuming) => `/stream?lines=${resuming ? 0 : 10}`,
        locate: () => ({ baseUrl: s.url, runId: 'run-1', headers: { authorization: 'Bearer t' } }),
        onMessage: (m) => got.push(m),
        onLost: (why) => lost.push(why),
      });
      const running = follower.run();

      await waitFor(() => got.length === 3, 'three messages');
      follower.stop();
      await running;

      expect(got).toEqual([
        { id: '1', event: 'log', data: '{"a":1}' },
        { id: '2', event: 'log', data: 'line one\nline two' },
        { id: '3', event: 'gap', data: '{"missed":0}' },
      ]);
      expect(s.lastIds).toEqual([undefined, '2']);
      expect(lost).toHaveLength(1);
    });
  });

  describe('when a new backend run answers (ids that do not survive a restart)', () => {
    it('starts afresh without Last-Event-ID', async () => {
      const s = await sseServer((_req, res, attempt) => {
        sse(res);
        res.write(`retry: 20\n\nid: ${attempt}\ndata: x\n\n`);
        if (attempt === 1) setTimeout(() => res.socket?.destroy(), 10);
      });
      server = s.server;
      let run = 'run-1';
      const got: SseMessage[] = [];
      const follower = new SseFollower({
        path: () => '/stream',
        idsSurviveRestart: false,
        locate: () => ({ baseUrl: s.url, runId: run, headers: {} }),
        onMessage: (m) => {
          got.push(m);
          run = 'run-2';
        },
      });
      const running = follower.run();
      await waitFor(() => got.length === 2, 'two messages');
      follower.stop();
      await running;

      expect(s.lastIds).toEqual([undefined, undefined]);
    });
  });

  describe('when the server refuses the token', () => {
    it('ends with an OperatorError of exit code 4, without retrying', async () => {
      const s = await sseServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"message":"no"}');
      });
      server = s.server;
      const follower = new SseFollower({ path: () => '/stream', locate: () => ({ baseUrl: s.url, runId: 'r', headers: {} }), onMessage: () => undefined });

      const error = await follower.run().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(OperatorError);
      expect((error as OperatorError).exitCode).toBe(4);
      expect(s.lastIds).toHaveLength(1);
    });
  });
});
