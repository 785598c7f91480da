import { Logger } from '@nestjs/common';

const logger = new Logger('Supervisor');

/**
 * Wraps a listener that runs inside an event emitter's handler (a child's stream 'data'):
 * an exception there would be uncaught and end the backend. The first one is logged with
 * `what`; later ones from the same listener are dropped silently, so a failing listener
 * cannot flood the log either.
 */
export function guardListener<A extends unknown[]>(
  what: string,
  listener: (...args: A) => void,
  log: (message: string) => void = (message) => logger.error(message),
): (...args: A) => void {
  let reported = false;
  return (...args: A) => {
    try {
      listener(...args);
    } catch (error) {
      if (reported) return;
      reported = true;
      log(`${what} failed and is skipped from now on: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}
