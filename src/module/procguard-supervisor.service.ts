import { Injectable } from '@nestjs/common';
import { ProcessManager } from '../supervisor/application/process-manager.service.js';
import type { ProcessStatus } from '../supervisor/application/process-status.js';
import type { RollOutcome } from '../supervisor/application/rolling-restart.js';

const WILDCARD = /[*?]/;

/**
 * The supervisor's manager for the host's own code: what the `/processes` routes do,
 * by name or by shell pattern (`web-*`, `*`). Starts and stops are remembered as the
 * operator's intent (they survive a restart), exactly as through the API.
 * An unknown name throws `UnknownProcessError`; a process mid-transition `ProcessBusyError`.
 */
@Injectable()
export class ProcguardSupervisor {
  constructor(private readonly manager: ProcessManager) {}

  /** Every instance whose name matches `pattern` (default all). */
  list(pattern = '*'): ProcessStatus[] {
    return this.manager.statusAll(pattern);
  }

  /** One instance by its exact name. */
  status(name: string): ProcessStatus {
    return this.manager.status(name);
  }

  start(nameOrPattern: string): Promise<ProcessStatus[]> {
    return this.each(nameOrPattern, (name) => this.manager.operatorStart(name));
  }

  stop(nameOrPattern: string): Promise<ProcessStatus[]> {
    return this.each(nameOrPattern, (name) => this.manager.operatorStop(name));
  }

  restart(nameOrPattern: string): Promise<ProcessStatus[]> {
    return this.each(nameOrPattern, (name) => this.manager.operatorRestart(name));
  }

  /**
   * Replaces a spec's instances one at a time, each after the one before is ready again:
   * what `POST /processes/:name/rolling-restart` does, resolving when the roll ends.
   * `specName` is a spec (`web`), not an instance (`web-1`) nor a pattern.
   * Rejects (never throws) with UnknownProcessError for a name that is not a declared spec,
   * ProcessBusyError while another roll of it runs or once shutdown has begun.
   */
  async rollingRestart(specName: string): Promise<RollOutcome> {
    return this.manager.rollingRestart(specName);
  }

  private async each(nameOrPattern: string, act: (name: string) => Promise<ProcessStatus>): Promise<ProcessStatus[]> {
    if (!WILDCARD.test(nameOrPattern)) return [await act(nameOrPattern)];
    return Promise.all(this.manager.statusAll(nameOrPattern).map((status) => act(status.name)));
  }
}
