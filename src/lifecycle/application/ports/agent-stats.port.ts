/** One agent as health reports it. */
export interface AgentSummary {
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
}

/** What health and readiness know about supervised child processes. */
export interface IAgentStats {
  /** Agents currently running (ready). */
  active(): number;
  /** Declared agent instances. */
  total(): number;
  /** Per-instance state, keyed by instance name. */
  summary(): Record<string, AgentSummary>;
  /** Of `required`, the names that are not running (unknown names included). */
  notRunning(required: readonly string[]): string[];
  /** Names of agents the supervisor gave up on. */
  failed(): string[];
  /** Called after an agent changes state (the health snapshot then rebuilds). */
  onChange?(listener: () => void): void;
}
