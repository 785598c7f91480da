/** What an operator (or the config) wants a process to be. */
export type Desired = 'running' | 'stopped';

/** Durable operator intent per instance; survives backend restarts. */
export interface IDesiredStateStore {
  get(name: string): Desired | null;
  set(name: string, desired: Desired, source: string): void;
  /** Forgets the intent for these names: the config now decides again. */
  clear(names: readonly string[]): void;
}

export const DESIRED_STATE = Symbol('IDesiredStateStore');

/** Used when no durable store is wired (unit tests, embedding without a database). */
export class InMemoryDesiredState implements IDesiredStateStore {
  private readonly values = new Map<string, Desired>();

  get(name: string): Desired | null {
    return this.values.get(name) ?? null;
  }

  set(name: string, desired: Desired): void {
    this.values.set(name, desired);
  }

  clear(names: readonly string[]): void {
    for (const name of names) this.values.delete(name);
  }
}
