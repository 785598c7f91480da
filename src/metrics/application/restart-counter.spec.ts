import { RestartCounter } from './restart-counter.js';

describe('RestartCounter', () => {
  it('counts every start after the first, per name, and forgets names no longer declared', () => {
    // Arrange
    const counter = new RestartCounter();
    const moves: [string, string][] = [
      ['web', 'starting'],
      ['web', 'running'],
      ['web', 'backoff'],
      ['web', 'starting'],
      ['db', 'starting'],
      ['web', 'stopped'],
      ['web', 'starting'],
    ];

    // Act
    for (const [name, to] of moves) counter.onEvent({ name, to: to as 'starting' });
    const before = [counter.restartsOf('web'), counter.restartsOf('db')];
    counter.keepOnly(new Set(['db']));

    // Assert
    expect(before).toEqual([2, 0]);
    expect(counter.restartsOf('web')).toBe(0);
    counter.onEvent({ name: 'web', to: 'starting' });
    expect(counter.restartsOf('web')).toBe(0);
  });
});
