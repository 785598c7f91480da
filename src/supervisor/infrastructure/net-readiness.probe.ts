import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { IReadinessProbe, ResolvedProbeTarget } from '../application/ports/readiness-probe.port.js';

/**
 * Readiness by TCP connect or HTTP GET (2xx/3xx), bounded by one deadline that covers DNS,
 * connect and response headers. Every attempt settles once, then destroys its socket and
 * clears its timer; nothing is thrown.
 */
export class NetReadinessProbe implements IReadinessProbe {
  check(target: ResolvedProbeTarget, timeoutMs: number): Promise<boolean> {
    return target.kind === 'tcp' ? this.tcp(target.host, target.port, timeoutMs) : this.http(target.url, timeoutMs);
  }

  private tcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let socket: net.Socket;
      try {
        socket = net.connect({ host, port });
      } catch {
        // A bad port is refused synchronously (ERR_SOCKET_BAD_PORT).
        resolve(false);
        return;
      }
      const settle = once((ready: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ready);
      });
      const timer = setTimeout(() => settle(false), timeoutMs);
      socket.once('connect', () => settle(true));
      // `on`, not `once`: an error after settling must still have a listener.
      socket.on('error', () => settle(false));
    });
  }

  private http(url: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let request: http.ClientRequest;
      const settle = once((ready: boolean) => {
        clearTimeout(timer);
        request?.destroy();
        resolve(ready);
      });
      const timer = setTimeout(() => settle(false), timeoutMs);
      try {
        const client = new URL(url).protocol === 'https:' ? https : http;
        // agent: false gives a one-off socket with `Connection: close`, so no keep-alive socket outlives the probe.
        request = client.get(url, { agent: false }, (response) => {
          const status = response.statusCode ?? 0;
          response.on('error', () => undefined);
          response.resume();
          settle(status >= 200 && status < 400);
        });
      } catch {
        // Invalid URL or protocol is thrown synchronously.
        settle(false);
        return;
      }
      // Destroying an unanswered request emits 'socket hang up'; keep a listener for it.
      request.on('error', () => settle(false));
    });
  }
}

function once<T>(fn: (value: T) => void): (value: T) => void {
  let done = false;
  return (value) => {
    if (done) return;
    done = true;
    fn(value);
  };
}
