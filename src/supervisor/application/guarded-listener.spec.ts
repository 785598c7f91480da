import { guardListener } from './guarded-listener.js';

describe('guardListener', () => {
  describe('when the listener throws', () => {
    it('logs the first failure once, naming what failed, and never throws', () => {
      // Arrange
      const logged: string[] = [];
      let calls = 0;
      const guarded = guardListener(
        'output of "web"',
        () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
        (message) => logged.push(message),
      );

      // Act
      const call = () => guarded();

      // Assert
      expect(call).not.toThrow();
      expect(call).not.toThrow();
      expect(call).not.toThrow();
      expect(calls).toBe(3);
      expect(logged).toEqual(['output of "web" failed and is skipped from now on: boom 1']);
    });

    it('reports a thrown non-Error as text', () => {
      const logged: string[] = [];
      const guarded = guardListener('x', () => {
        throw 'plain';
      }, (message) => logged.push(message));

      guarded();

      expect(logged).toEqual(['x failed and is skipped from now on: plain']);
    });
  });

  describe('when the listener works', () => {
    it('passes every argument through and logs nothing', () => {
      const seen: unknown[][] = [];
      const logged: string[] = [];
      const guarded = guardListener('x', (a: string, b: number) => void seen.push([a, b]), (m) => logged.push(m));

      guarded('stdout', 1);
      guarded('stderr', 2);

      expect(seen).toEqual([['stdout', 1], ['stderr', 2]]);
      expect(logged).toEqual([]);
    });
  });
});
