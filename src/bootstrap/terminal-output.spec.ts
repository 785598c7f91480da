import { EventEmitter } from 'node:events';
import { dropOutputToALostTerminal } from './terminal-output.js';

describe('dropOutputToALostTerminal', () => {
  describe('when a write to the terminal fails (EIO: the terminal is gone)', () => {
    it('drops the error instead of raising it as an uncaught exception', () => {
      const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
      const eio = Object.assign(new Error('write EIO'), { code: 'EIO' });
      const unguarded = new EventEmitter();

      dropOutputToALostTerminal([stream]);

      expect(() => stream.emit('error', eio)).not.toThrow();
      expect(() => unguarded.emit('error', eio)).toThrow('write EIO');
    });
  });
});
