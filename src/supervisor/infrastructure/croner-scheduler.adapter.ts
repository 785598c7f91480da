import { Cron } from 'croner';
import type { ICronScheduler, TriggerHandle } from '../application/ports/restart-trigger.port.js';

/** PM2's field counts: 5 (minutes) or 6 (seconds first); croner's nicknames (@daily, ...) too. */
const OPTIONS = { mode: '5-or-6-parts', paused: false, protect: true, unref: true } as const;

/**
 * Why `expression` cannot be a cron_restart (croner's own message, shortened), or null.
 * One that never fires (`0 0 30 2 *`) is refused too: it would silently do nothing.
 */
export function cronProblem(expression: string): string | null {
  let job: Cron | null = null;
  try {
    job = new Cron(expression, { ...OPTIONS, paused: true });
    return job.nextRun() === null ? 'it names no time that ever comes' : null;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  } finally {
    job?.stop();
  }
}

/** cron_restart on croner (PM2 uses it too): `protect` skips a tick while the last one runs; timers unref'd. */
export class CronerScheduler implements ICronScheduler {
  schedule(expression: string, onTick: () => void): TriggerHandle {
    const job = new Cron(expression, OPTIONS, () => onTick());
    return { stop: () => job.stop() };
  }
}
