import type { ProcessSpec } from './process-spec.js';

/**
 * Time a graceful shutdown needs after the longest kill timeout has run out: the SIGKILL and
 * the wait for the group to go, then closing the app, flushing events, closing the database
 * and releasing the lock. The default kill timeout leaves exactly this much of the default
 * SHUTDOWN_TIMEOUT_MS (5000 − 3000).
 */
export const SHUTDOWN_ROOM_AFTER_KILL_MS = 2000;

/**
 * One line per process whose kill timeout cannot fit the shutdown deadline: if it ignores its
 * stop signal, every graceful shutdown runs into the deadline and is forced (exit 1, database
 * not closed cleanly).
 */
export function killTimeoutWarnings(specs: readonly ProcessSpec[], shutdownTimeoutMs: number): string[] {
  const fits = Math.max(0, shutdownTimeoutMs - SHUTDOWN_ROOM_AFTER_KILL_MS);
  return specs
    .filter((spec) => spec.stopSignal !== 'SIGKILL' && spec.killTimeoutMs > fits)
    .map(
      (spec) =>
        `Process "${spec.name}": killTimeoutMs ${spec.killTimeoutMs} does not fit SHUTDOWN_TIMEOUT_MS ${shutdownTimeoutMs} ` +
        `(shutdown needs about ${SHUTDOWN_ROOM_AFTER_KILL_MS} ms after the kill timeout); if it ignores ${spec.stopSignal}, ` +
        `a graceful shutdown is forced (exit 1). Lower killTimeoutMs to ${fits} or raise SHUTDOWN_TIMEOUT_MS to ` +
        `${spec.killTimeoutMs + SHUTDOWN_ROOM_AFTER_KILL_MS}.`,
    );
}
