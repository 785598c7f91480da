import { Logger } from '@nestjs/common';
import type { IStorageHealth, StorageProblem } from './ports/storage-health.port.js';

interface Outage {
  reason: string;
  since: string;
  failures: number;
}

/** Remembers failing writes per component; logs the start and the end of each outage, once. */
export class StorageHealth implements IStorageHealth {
  private readonly outages = new Map<string, Outage>();
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly log: Pick<Logger, 'error' | 'log'> = new Logger('Storage'),
    private readonly now: () => Date = () => new Date(),
  ) {}

  failed(component: string, error: unknown): void {
    const outage = this.outages.get(component);
    if (outage) {
      outage.failures += 1;
      this.changed();
      return;
    }
    const reason = describe(error);
    this.outages.set(component, { reason, since: this.now().toISOString(), failures: 1 });
    this.log.error(`Cannot write ${component}: ${reason}. Supervision goes on; health reports degraded until writes succeed again.`);
    this.changed();
  }

  succeeded(component: string): void {
    const outage = this.outages.get(component);
    if (!outage) return;
    this.outages.delete(component);
    this.changed();
    this.log.log(`Writing ${component} works again (after ${outage.failures} failed write(s) since ${outage.since})`);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  problems(): StorageProblem[] {
    return [...this.outages].map(([component, o]) => ({ component, reason: o.reason, since: o.since, failures: o.failures }));
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : null;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
