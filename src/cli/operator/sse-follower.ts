import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { OPERATOR_EXIT, OperatorError } from './operator-exit.js';

/** One Server-Sent Event as received. */
export interface SseMessage {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/** Where to connect now: looked up again before each connection, so a restarted backend (new port) is found. */
export interface SseTarget {
  readonly baseUrl: string;
  /** Which backend run this is: a new one restarts per-run counters such as log `seq`. */
  readonly runId: string;
  readonly headers: Record<string, string>;
}

export interface SseFollowOptions {
  /** The path (with query) on the instance; `resuming`: a Last-Event-ID will be sent. */
  readonly path: (resuming: boolean) => string;
  /** The current target, or null while no instance runs (the follower waits and retries). */
  readonly locate: () => SseTarget | null;
  readonly onMessage: (message: SseMessage) => void;
  /** The connection was lost or could not be made; it will be retried. Said once per outage. */
  readonly onLost?: (why: string) => void;
  readonly onResumed?: (target: SseTarget) => void;
  /**
   * Whether `Last-Event-ID` still means something to a new backend run (event ids are
   * stored and survive restarts; log sequence numbers start again at 1). @default true
   */
  readonly idsSurviveRestart?: boolean;
}

/**
 * Follows an SSE endpoint until stopped: after a dropped connection (the backend
 * restarted, the socket was cut) it reconnects with `Last-Event-ID` set to the last
 * id received, after the server's `retry:` delay. A 401 or 4xx answer ends it with an OperatorError.
 */
export class SseFollower {
  private lastId: string | null = null;
  private retryMs = 1000;
  private stopped = false;
  private current: ClientRequest | null = null;
  private lostSaid = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: SseFollowOptions) {}

  /** Resolves when stopped; rejects with an OperatorError the server's answer makes final. */
  async run(): Promise<void> {
    let runId: string | null = null;
    while (!this.stopped) {
      const target = this.options.locate();
      if (!target) {
        this.lost('no instance is running');
      } else {
        if (runId !== null && runId !== target.runId && this.options.idsSurviveRestart === false) this.lastId = null;
        runId = target.runId;
        const end = await this.connect(target);
        if (end.kind === 'fatal') throw end.error;
        if (this.stopped) return;
        this.lost(end.why);
      }
      await this.pause(this.retryMs);
    }
  }

  /** Ends the stream (Ctrl+C): the current connection is closed, run() resolves. */
  stop(): void {
    this.stopped = true;
    this.current?.destroy();
    this.wake?.();
  }

  private lost(why: string): void {
    if (!this.lostSaid) this.options.onLost?.(why);
    this.lostSaid = true;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private connect(target: SseTarget): Promise<{ kind: 'ended'; why: string } | { kind: 'fatal'; error: OperatorError }> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...target.headers };
      if (this.lastId !== null) headers['last-event-id'] = this.lastId;
      const path = this.options.path(this.lastId !== null);
      const req = request(`${target.baseUrl}${path}`, { headers });
      this.current = req;
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'ended', why: error.code ?? error.message }));
      req.on('response', (res) => {
        if (res.statusCode === 401) {
          res.resume();
          resolve({ kind: 'fatal', error: new OperatorError('Unauthorised: the token was refused or is missing (API_TOKEN or --token).', OPERATOR_EXIT.unauthorised, 'UNAUTHORISED') });
          return;
        }
        if (res.statusCode !== 200) {
          readBody(res).then((body) => {
            // 503: too many streams or shutting down; worth another try. Anything else is final.
            if (res.statusCode === 503) resolve({ kind: 'ended', why: `the server answered 503: ${body}` });
            else resolve({ kind: 'fatal', error: new OperatorError(`${path} answered ${res.statusCode}: ${body}`, OPERATOR_EXIT.failed) });
          });
          return;
        }
        if (this.lostSaid) this.options.onResumed?.(target);
        this.lostSaid = false;
        this.consume(res, () => resolve({ kind: 'ended', why: 'the connection was closed' }));
      });
      req.end();
    });
  }

  /** Parses the stream: fields until a blank line make one message; comments (heartbeats) are skipped. */
  private consume(res: IncomingMessage, ended: () => void): void {
    res.setEncoding('utf8');
    let buffer = '';
    let id: string | null = null;
    let event = 'message';
    let data: string[] = [];
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.search(/\r?\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
        if (line === '') {
          if (data.length > 0) {
            if (id !== null) this.lastId = id;
            this.options.onMessage({ id, event, data: data.join('\n') });
          }
          id = null;
          event = 'message';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Math.min(Number(value), 30_000);
      }
    });
    res.on('close', ended);
    res.on('error', () => undefined);
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        resolve(String(parsed.message ?? body));
      } catch {
        resolve(body.slice(0, 300));
      }
    });
    res.on('error', () => resolve(body));
  });
}
