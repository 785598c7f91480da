import { InvalidStateTransitionError } from './lifecycle.errors.js';
import { ProcessState, type LifecycleState } from './process-state.entity.js';

const STATES: readonly LifecycleState[] = ['starting', 'running', 'stopping', 'stopped'];

/** The lifecycle as specified, written out independently of the implementation's table. */
const LEGAL: ReadonlyArray<readonly [LifecycleState, LifecycleState]> = [
  ['starting', 'running'],
  ['starting', 'stopping'],
  ['running', 'stopping'],
  ['stopping', 'stopped'],
];

const ILLEGAL = STATES.flatMap((from) =>
  STATES.filter((to) => to !== from && !LEGAL.some(([f, t]) => f === from && t === to)).map(
    (to) => [from, to] as const,
  ),
);

/** A shortest legal path from `starting` to each state. */
const PATH_TO: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  starting: [],
  running: ['running'],
  stopping: ['running', 'stopping'],
  stopped: ['running', 'stopping', 'stopped'],
};

function stateIn(state: LifecycleState, at = new Date('2024-01-01T00:00:00Z')): ProcessState {
  const machine = new ProcessState(at);
  for (const step of PATH_TO[state]) machine.transitionTo(step, at);
  return machine;
}

describe('ProcessState', () => {
  describe('when new', () => {
    it('is starting, not ready, and remembers when it started', () => {
      // Arrange
      const at = new Date('2024-03-04T05:06:07Z');

      // Act
      const state = new ProcessState(at);

      // Assert
      expect(state.value).toBe('starting');
      expect(state.isReady).toBe(false);
      expect(state.enteredAt('starting')).toEqual(at);
      expect(state.enteredAt('running')).toBeUndefined();
    });
  });

  describe('when moving along a legal transition', () => {
    it('has eight illegal moves besides the four legal ones', () => {
      expect(ILLEGAL).toHaveLength(8);
    });

    it.each(LEGAL)('%s -> %s moves, returns true and records the time', (from, to) => {
      // Arrange
      const state = stateIn(from);
      const at = new Date('2024-06-01T12:00:00Z');

      // Act
      const moved = state.transitionTo(to, at);

      // Assert
      expect(moved).toBe(true);
      expect(state.value).toBe(to);
      expect(state.enteredAt(to)).toEqual(at);
    });
  });

  describe('when asked for an illegal transition', () => {
    it.each(ILLEGAL)('%s -> %s throws InvalidStateTransitionError and stays put', (from, to) => {
      // Arrange
      const state = stateIn(from);
      const enteredBefore = state.enteredAt(to);

      // Act
      let thrown: unknown;
      try {
        state.transitionTo(to, new Date('2030-01-01T00:00:00Z'));
      } catch (error) {
        thrown = error;
      }

      // Assert
      expect(thrown).toBeInstanceOf(InvalidStateTransitionError);
      expect(thrown).toMatchObject({ from, to, code: 'INVALID_STATE_TRANSITION' });
      expect((thrown as Error).message).toBe(`Cannot move from "${from}" to "${to}"`);
      expect(state.value).toBe(from);
      expect(state.enteredAt(to)).toEqual(enteredBefore);
    });
  });

  describe('when asked to move to the state it is already in', () => {
    it.each(STATES)('%s -> %s returns false and keeps the first entry time', (current) => {
      // Arrange
      const first = new Date('2024-01-01T00:00:00Z');
      const state = stateIn(current, first);

      // Act
      const moved = state.transitionTo(current, new Date('2030-01-01T00:00:00Z'));

      // Assert
      expect(moved).toBe(false);
      expect(state.value).toBe(current);
      expect(state.enteredAt(current)).toEqual(first);
    });
  });

  describe('when asked whether it is ready', () => {
    it.each<[LifecycleState, boolean]>([
      ['starting', false],
      ['running', true],
      ['stopping', false],
      ['stopped', false],
    ])('is %s -> ready %p', (current, ready) => {
      expect(stateIn(current).isReady).toBe(ready);
    });
  });
});
