import type { ServerResponse } from 'node:http';

/** How a wait for a full SSE client ended. */
export type Writable = 'drained' | 'closed' | 'timeout';

/** Resolves when the client has read what is buffered, when the response closes, or after `timeoutMs`. */
export function clientWritable(res: ServerResponse, closed: boolean, timeoutMs: number): Promise<Writable> {
  return new Promise((resolve) => {
    const socket = res.socket;
    if (!socket || closed) return resolve('closed');
    const done = (outcome: Writable) => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      res.off('close', onClose);
      resolve(outcome);
    };
    const onDrain = () => done('drained');
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('drain', onDrain);
    res.on('close', onClose);
  });
}
