import { request, type Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Proc } from './procs.js';
import { delay, HOST } from './util.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** One GET; a fresh connection (closed after) unless an agent is given. */
export function httpGet(port: number, path: string, timeoutMs: number, agent?: Agent): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, method: 'GET', agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `path` every `intervalMs` until it answers 200; resolves with
 * performance.now() at that answer. Fails if `proc` exits first or on timeout.
 */
export async function waitFor200(
  port: number,
  path: string,
  options: { proc?: Proc; intervalMs?: number; timeoutMs?: number } = {},
): Promise<number> {
  const { proc, intervalMs = 5, timeoutMs = 20_000 } = options;
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (proc?.exit) {
      throw new Error(
        `${proc.label} exited with ${proc.exit.code ?? proc.exit.signal} before ${path} answered 200. Output:\n${proc.output()}`,
      );
    }
    try {
      const answer = await httpGet(port, path, 1000);
      if (answer.status === 200) return performance.now();
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
    await delay(intervalMs);
  }
  proc?.signal('SIGKILL');
  throw new Error(`${path} on port ${port} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}
