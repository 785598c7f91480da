import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainResult {
  /** Sockets still open at the deadline, destroyed with whatever they carried. */
  readonly forced: number;
}

/**
 * Graceful HTTP drain (the http-terminator approach): stop listening, finish
 * in-flight requests, answer requests on open keep-alive sockets with
 * `Connection: close`, close idle sockets once they have stayed idle a moment,
 * and destroy what is left at the deadline. Node's own `server.close()` cuts
 * idle keep-alive sockets at once, resetting requests already on the wire.
 */
export class HttpDrainer {
  private readonly active = new Map<Socket, number>();
  private readonly idleTimers = new Map<Socket, ReturnType<typeof setTimeout>>();
  private draining = false;

  constructor(
    private readonly server: Server,
    /** How long a socket must stay idle during drain before it is closed. @default 50 */
    private readonly idleGraceMs = 50,
  ) {
    server.on('connection', (socket: Socket) => {
      this.active.set(socket, 0);
      socket.once('close', () => this.forget(socket));
    });
    // Runs before the framework's listener, so the header is set before any response starts.
    server.prependListener('request', (req, res) => {
      const socket = req.socket;
      this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
      this.cancelIdleClose(socket);
      if (this.draining) res.setHeader('Connection', 'close');
      res.once('close', () => {
        const left = (this.active.get(socket) ?? 1) - 1;
        if (!this.active.has(socket)) return;
        this.active.set(socket, left);
        if (this.draining && left === 0) this.scheduleIdleClose(socket);
      });
    });
  }

  get openSockets(): number {
    return this.active.size;
  }

  async drain(timeoutMs: number): Promise<DrainResult> {
    if (!this.draining) {
      this.draining = true;
      // net.Server's close stops accepting without the HTTP layer's eager idle-socket cut.
      NetServer.prototype.close.call(this.server);
      for (const [socket, inFlight] of this.active) if (inFlight === 0) this.scheduleIdleClose(socket);
    }
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const forced = this.active.size;
    for (const socket of this.active.keys()) socket.destroy();
    return { forced };
  }

  private scheduleIdleClose(socket: Socket): void {
    this.cancelIdleClose(socket);
    const timer = setTimeout(() => {
      if ((this.active.get(socket) ?? 0) === 0) socket.end();
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
    this.active.delete(socket);
  }
}
