import type { Readable } from 'node:stream';

/** The fd a `wait_ready` child's Node finds its IPC channel on (NODE_CHANNEL_FD). */
export const READY_CHANNEL_FD = 4;

/** A message line longer than this is dropped unread: `'ready'` is 8 bytes as JSON. */
export const MAX_MESSAGE_LINE_BYTES = 4096;

/**
 * Reads the child's side of Node's IPC channel (JSON serialization: one JSON value per line)
 * and calls `onReady` once for the first `"ready"` (PM2's `process.send('ready')`). Every
 * other message is read and dropped, and at most MAX_MESSAGE_LINE_BYTES of an unfinished line
 * is kept, so a child that floods the channel cannot grow the backend's memory.
 */
export function readReadyMessages(channel: Readable, onReady: () => void): void {
  // Buffers, not strings: a flood is scanned for newlines without being decoded or copied.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let ready = false;
  channel.on('error', () => undefined);
  channel.on('data', (chunk: Buffer) => {
    if (ready) return;
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      if (!skipping && pendingBytes + piece.length <= MAX_MESSAGE_LINE_BYTES && isReady(Buffer.concat([...pending, piece]))) {
        ready = true;
        onReady();
        return;
      }
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = newline + 1;
    }
    if (skipping) return;
    const rest = chunk.subarray(start);
    pendingBytes += rest.length;
    if (pendingBytes > MAX_MESSAGE_LINE_BYTES) {
      pending = [];
      pendingBytes = 0;
      skipping = true;
    } else if (rest.length > 0) {
      // A copy, so the (up to 64 KiB) chunk it came from is not kept alive.
      pending.push(Buffer.from(rest));
    }
  });
}

function isReady(line: Buffer): boolean {
  try {
    return JSON.parse(line.toString('utf8')) === 'ready';
  } catch {
    return false;
  }
}
