import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { HttpDrainer } from './http-drainer.js';

/** A real server on loopback; `/slow` answers when the test says so, `/hang` never. */
async function serve(): Promise<{ server: Server; port: number; release: () => void; seen: () => number; drainer: HttpDrainer }> {
  let release = () => {};
  let seen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen++;
    if (req.url === '/slow') release = () => res.end('slow');
    else if (req.url !== '/hang') res.end('ok');
  });
  const drainer = new HttpDrainer(server, 20);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, release: () => release(), seen: () => seen, drainer };
}

/** A raw keep-alive client: what it has read so far, and whether the server closed it. */
function client(port: number): { socket: Socket; text: () => string; closed: Promise<void>; send: (path: string) => void } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, text: () => text, closed, send: (path) => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`) };
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('HttpDrainer', () => {
  let server: Server;

  /** A server with one request on its way through the handler. */
  const inFlight = async (path: string) => {
    const s = await serve();
    server = s.server;
    const c = client(s.port);
    c.send(path);
    await until(() => s.seen() === 1, 'the request at the server');
    return { s, c };
  };
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('adds no per-request listener until the drain starts', async () => {
    const s = await serve();
    server = s.server;
    expect(server.listenerCount('request')).toBe(1);
    await s.drainer.drain(1000);
    expect(server.listenerCount('request')).toBe(2);
  });

  it('lets a request in flight at the drain finish, marked as the last on its socket, then closes it', async () => {
    const { s, c } = await inFlight('/slow');
    const drained = s.drainer.drain(5000);
    s.release();
    expect(await drained).toEqual({ forced: 0 });
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(c.text()).toMatch(/\r\nConnection: close\r\n/i);
    expect(c.text()).toMatch(/slow$/);
  });

  it('closes an idle keep-alive socket, and answers a request sent on it during the grace with Connection: close', async () => {
    const s = await serve();
    server = s.server;
    const idle = client(s.port);
    idle.send('/');
    const busy = client(s.port);
    busy.send('/');
    await until(() => idle.text().endsWith('ok') && busy.text().endsWith('ok'), 'both first answers');
    expect(idle.text()).toMatch(/Connection: keep-alive/i);
    const drained = s.drainer.drain(5000);
    busy.send('/again');
    expect(await drained).toEqual({ forced: 0 });
    await Promise.all([idle.closed, busy.closed]);
    expect(idle.text().match(/HTTP\/1\.1 200/g)).toHaveLength(1);
    const second = busy.text().slice(busy.text().lastIndexOf('HTTP/1.1'));
    expect(second).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(second).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('destroys what is still busy at the deadline and says how many', async () => {
    const { s, c } = await inFlight('/hang');
    expect(await s.drainer.drain(100)).toEqual({ forced: 1 });
    await c.closed;
    expect(c.text()).toBe('');
  });
});
