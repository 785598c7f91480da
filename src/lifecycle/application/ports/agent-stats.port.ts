/** What health reports about supervised child processes. */
export interface IAgentStats {
  /** Agents currently running. */
  active(): number;
  /** Declared agent instances. */
  total(): number;
}
