import { Injectable } from '@nestjs/common';

/** What asked for a reload: a SIGHUP to the backend, or `POST /api/reload`. */
export type ReloadSource = 'SIGHUP' | 'api';

/** The result of one reload pass (`GET /api/reload`, `POST /api/reload`, events `reload.*`). */
export interface ReloadOutcome {
  readonly at: string;
  readonly source: ReloadSource;
  /** False when the file was rejected (nothing changed) or the reload could not be completed. */
  readonly ok: boolean;
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  readonly restarted: readonly string[];
  /** How many processes kept running as they were. */
  readonly unchanged: number;
  /** Why the file was rejected or the reload not completed; only when `ok` is false. */
  readonly error?: string;
}

/**
 * Keeps the last reload's outcome (a rejected file used to reach only the log) and
 * tells listeners of each one, so the history can record it as an event.
 */
@Injectable()
export class ReloadOutcomes {
  private lastOutcome: ReloadOutcome | null = null;
  private readonly listeners: ((outcome: ReloadOutcome) => void)[] = [];

  /** The last reload's outcome since this backend started, or null before the first. */
  get last(): ReloadOutcome | null {
    return this.lastOutcome;
  }

  record(outcome: ReloadOutcome): void {
    this.lastOutcome = outcome;
    for (const listener of this.listeners) listener(outcome);
  }

  onOutcome(listener: (outcome: ReloadOutcome) => void): void {
    this.listeners.push(listener);
  }
}

/** One line for people and logs: "started [a], stopped [], restarted [b], 3 unchanged" or the error. */
export function describeReload(outcome: ReloadOutcome): string {
  if (!outcome.ok) return outcome.error ?? 'failed';
  const list = (names: readonly string[]) => `[${names.join(', ')}]`;
  return `started ${list(outcome.started)}, stopped ${list(outcome.stopped)}, restarted ${list(outcome.restarted)}, ${outcome.unchanged} unchanged`;
}
