import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { NetReadinessProbe } from './net-readiness.probe.js';

const HOST = '127.0.0.1';
const TIMEOUT_MS = 2_000;

function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  accepted.set(server, sockets);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

const accepted = new WeakMap<net.Server, Set<net.Socket>>();

/** Destroys what is still connected first, so a socket the probe leaked fails its test instead of hanging cleanup. */
function close(server: net.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  for (const socket of accepted.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nobody listens on: bound by us a moment ago, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function connections(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function httpServer(status: number): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {});
    res.end('body');
  });
}

describe('NetReadinessProbe', () => {
  const probe = new NetReadinessProbe();
  const servers: net.Server[] = [];
  const serve = async <S extends net.Server>(server: S): Promise<number> => {
    servers.push(server);
    return listen(server);
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  describe('when probing tcp', () => {
    it('is ready when a server accepts the connection, and leaves no socket open', async () => {
      const server = net.createServer((socket) => socket.on('error', () => undefined));
      const port = await serve(server);

      await expect(probe.check({ kind: 'tcp', host: HOST, port }, TIMEOUT_MS)).resolves.toBe(true);

      await waitFor(async () => (await connections(server)) === 0);
    });

    it('is not ready when nothing listens on the port', async () => {
      const port = await closedPort();

      await expect(probe.check({ kind: 'tcp', host: HOST, port }, TIMEOUT_MS)).resolves.toBe(false);
    });

    it('is not ready for a port that cannot exist', async () => {
      await expect(probe.check({ kind: 'tcp', host: HOST, port: 70_000 }, TIMEOUT_MS)).resolves.toBe(false);
    });
  });

  describe('when probing http', () => {
    it.each([200, 204, 302])('is ready on status %i', async (status) => {
      const port = await serve(httpServer(status));

      await expect(probe.check({ kind: 'http', url: `http://${HOST}:${port}/health` }, TIMEOUT_MS)).resolves.toBe(true);
    });

    it.each([404, 500])('is not ready on status %i', async (status) => {
      const port = await serve(httpServer(status));

      await expect(probe.check({ kind: 'http', url: `http://${HOST}:${port}/health` }, TIMEOUT_MS)).resolves.toBe(false);
    });

    it('is not ready when nothing listens', async () => {
      const port = await closedPort();

      await expect(probe.check({ kind: 'http', url: `http://${HOST}:${port}/` }, TIMEOUT_MS)).resolves.toBe(false);
    });

    it('is not ready for a malformed url or an unsupported protocol', async () => {
      await expect(probe.check({ kind: 'http', url: 'not a url' }, TIMEOUT_MS)).resolves.toBe(false);
      await expect(probe.check({ kind: 'http', url: 'ftp://127.0.0.1/' }, TIMEOUT_MS)).resolves.toBe(false);
    });

    it('does not keep the connection alive after an answer', async () => {
      const server = httpServer(200);
      const port = await serve(server);

      await probe.check({ kind: 'http', url: `http://${HOST}:${port}/` }, TIMEOUT_MS);

      await waitFor(async () => (await connections(server)) === 0);
    });
  });

  describe('when the server accepts but never answers', () => {
    it('gives up after timeoutMs and closes its socket', async () => {
      const server = http.createServer(() => undefined);
      const port = await serve(server);
      const started = Date.now();

      const ready = await probe.check({ kind: 'http', url: `http://${HOST}:${port}/` }, 100);

      expect(ready).toBe(false);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
      await waitFor(async () => (await connections(server)) === 0);
    });
  });
});
