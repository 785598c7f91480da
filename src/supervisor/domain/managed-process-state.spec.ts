import { IllegalProcessTransitionError, ManagedProcessState, type ManagedState } from './managed-process-state.js';
import { SupervisorError } from './supervisor.errors.js';

const STATES: readonly ManagedState[] = ['stopped', 'waiting', 'starting', 'running', 'stopping', 'backoff', 'failed'];

/** The legal moves, written out here on purpose (not imported): a change to the table must change this too. */
const EXPECTED_LEGAL: Readonly<Record<ManagedState, readonly ManagedState[]>> = {
  stopped: ['starting', 'failed', 'waiting'],
  waiting: ['starting', 'stopped'],
  starting: ['running', 'stopping', 'backoff', 'failed', 'stopped'],
  running: ['stopping', 'backoff', 'failed', 'stopped'],
  stopping: ['stopped', 'starting', 'backoff', 'failed'],
  backoff: ['starting', 'stopped', 'failed', 'waiting'],
  failed: ['starting', 'stopped', 'waiting'],
};

/** A legal path from the initial `stopped` to each state. */
const PATH_TO: Readonly<Record<ManagedState, readonly ManagedState[]>> = {
  stopped: [],
  waiting: ['waiting'],
  starting: ['starting'],
  running: ['starting', 'running'],
  stopping: ['starting', 'stopping'],
  backoff: ['starting', 'backoff'],
  failed: ['starting', 'failed'],
};

function stateAt(target: ManagedState): ManagedProcessState {
  const state = new ManagedProcessState();
  for (const step of PATH_TO[target]) state.moveTo(step);
  return state;
}

const moves = STATES.flatMap((from) => STATES.filter((to) => to !== from).map((to) => [from, to] as const));
const legalMoves = moves.filter(([from, to]) => EXPECTED_LEGAL[from].includes(to));
const illegalMoves = moves.filter(([from, to]) => !EXPECTED_LEGAL[from].includes(to));

describe('ManagedProcessState', () => {
  describe('when the expected table is enumerated', () => {
    it('covers all 49 pairs: 25 legal moves, 17 illegal ones and 7 repeats', () => {
      expect(moves.length + STATES.length).toBe(49);
      expect(legalMoves).toHaveLength(25);
      expect(illegalMoves).toHaveLength(17);
    });
  });

  describe('when new', () => {
    it('is stopped', () => {
      expect(new ManagedProcessState().value).toBe('stopped');
    });
  });

  describe('when the move is legal', () => {
    it.each(legalMoves)('goes from %s to %s and returns the previous state', (from, to) => {
      // Arrange
      const state = stateAt(from);

      // Act
      const previous = state.moveTo(to);

      // Assert
      expect(previous).toBe(from);
      expect(state.value).toBe(to);
      expect(ManagedProcessState.canMove(from, to)).toBe(true);
    });
  });

  describe('when the move is illegal', () => {
    it.each(illegalMoves)('refuses %s -> %s and stays where it was', (from, to) => {
      // Arrange
      const state = stateAt(from);

      // Act
      const act = () => state.moveTo(to);

      // Assert
      expect(act).toThrow(IllegalProcessTransitionError);
      expect(state.value).toBe(from);
      expect(ManagedProcessState.canMove(from, to)).toBe(false);
    });
  });

  describe('when the state is repeated', () => {
    it.each(STATES)('returns null for %s and changes nothing', (same) => {
      // Arrange
      const state = stateAt(same);

      // Act
      const previous = state.moveTo(same);

      // Assert
      expect(previous).toBeNull();
      expect(state.value).toBe(same);
      expect(ManagedProcessState.canMove(same, same)).toBe(true);
    });
  });

  describe('when an illegal move throws', () => {
    it('carries from, to, a stable code and a message naming both', () => {
      // Arrange
      const state = stateAt('running');

      // Act
      let error: unknown;
      try {
        state.moveTo('starting');
      } catch (caught) {
        error = caught;
      }

      // Assert
      expect(error).toBeInstanceOf(IllegalProcessTransitionError);
      expect(error).toBeInstanceOf(SupervisorError);
      const illegal = error as IllegalProcessTransitionError;
      expect(illegal.from).toBe('running');
      expect(illegal.to).toBe('starting');
      expect(illegal.code).toBe('ILLEGAL_PROCESS_TRANSITION');
      expect(illegal.name).toBe('IllegalProcessTransitionError');
      expect(illegal.message).toBe('A managed process cannot go from "running" to "starting"');
    });
  });
});
