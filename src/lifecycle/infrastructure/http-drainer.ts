import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainResult {
  /** Sockets still open at the deadline, destroyed with whatever they carried. */
  readonly forced: number;
}

/**
 * Node's `ServerResponse` on a socket while a response is in progress, null between them
 * (`_httpMessage`: internal, but what http-terminator reads too, and stable since Node 0.x).
 */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Graceful HTTP drain (the http-terminator approach): stop listening, finish
 * in-flight requests, answer requests on open keep-alive sockets with
 * `Connection: close`, close idle sockets once they have stayed idle a moment,
 * and destroy what is left at the deadline. Node's own `server.close()` cuts
 * idle keep-alive sockets at once, resetting requests already on the wire.
 * Until the drain starts it costs nothing per request (only a socket set): which
 * sockets are busy is read from the sockets then, not counted on every request.
 */
export class HttpDrainer {
  private readonly sockets = new Set<HttpSocket>();
  private readonly idleTimers = new Map<Socket, ReturnType<typeof setTimeout>>();
  private draining = false;

  constructor(
    private readonly server: Server,
    /** How long a socket must stay idle during drain before it is closed. @default 50 */
    private readonly idleGraceMs = 50,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.forget(socket));
    });
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  async drain(timeoutMs: number): Promise<DrainResult> {
    if (!this.draining) {
      this.draining = true;
      // net.Server's close stops accepting without the HTTP layer's eager idle-socket cut.
      NetServer.prototype.close.call(this.server);
      // Ahead of the framework's listener, so the header is set before any response starts.
      this.server.prependListener('request', (req, res) => {
        this.cancelIdleClose(req.socket);
        this.lastOnSocket(req.socket, res);
      });
      for (const socket of this.sockets) {
        const inFlight = socket._httpMessage;
        if (inFlight) this.lastOnSocket(socket, inFlight);
        else this.scheduleIdleClose(socket);
      }
    }
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const forced = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    return { forced };
  }

  /** The response the socket carries is its last (Node closes it after); idle-close it if it stays open. */
  private lastOnSocket(socket: Socket, response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close');
    response.once('close', () => this.scheduleIdleClose(socket));
  }

  private scheduleIdleClose(socket: HttpSocket): void {
    this.cancelIdleClose(socket);
    const timer = setTimeout(() => {
      // Busy again (a pipelined request): its response's close schedules the next look.
      if (!socket._httpMessage) socket.end();
    }, this.idleGraceMs);
    timer.unref();
    this.idleTimers.set(socket, timer);
  }

  private cancelIdleClose(socket: Socket): void {
    const timer = this.idleTimers.get(socket);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(socket);
  }

  private forget(socket: Socket): void {
    this.cancelIdleClose(socket);
    this.sockets.delete(socket);
  }
}
