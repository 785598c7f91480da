import { Injectable } from '@nestjs/common';
import type { AgentSummary, IAgentStats } from '../../lifecycle/application/ports/agent-stats.port.js';
import { ProcessManager } from './process-manager.service.js';

/** IAgentStats for health, read from the process manager. */
@Injectable()
export class SupervisorStats implements IAgentStats {
  constructor(private readonly manager: ProcessManager) {}

  active(): number {
    return this.manager.count('*', 'running');
  }

  total(): number {
    return this.manager.count('*');
  }

  summary(): Record<string, AgentSummary> {
    const out: Record<string, AgentSummary> = {};
    for (const s of this.manager.statusAll('*')) out[s.name] = { state: s.state, pid: s.pid, restarts: s.restarts };
    return out;
  }

  notRunning(required: readonly string[]): string[] {
    return required.filter((name) => !this.manager.has(name) || this.manager.status(name).state !== 'running');
  }

  onChange(listener: () => void): void {
    this.manager.onEvent(() => listener());
  }

  failed(): string[] {
    return this.manager.statusAll('*').filter((s) => s.state === 'failed').map((s) => s.name);
  }
}
