import { jest } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { ManagedProcess } from './managed-process.js';
import type { OutputStream } from './ports/process-launcher.port.js';
import { FakeLauncher, FakeProbe, InMemoryChildRegistry, InMemoryOutputStore, instanceOf } from './testing/fakes.js';

/** An output store whose every append throws, as the log-file name check once did for "a..b". */
class ThrowingOutputStore extends InMemoryOutputStore {
  override append(name: string, _stream: OutputStream, _chunk: Buffer): void {
    throw new Error(`Refusing unsafe log name ${JSON.stringify(name)}`);
  }
}

describe('ManagedProcess output', () => {
  const errors: string[] = [];
  const capture: LoggerService = { log: () => undefined, warn: () => undefined, error: (message: unknown) => void errors.push(String(message)) };

  beforeEach(() => {
    errors.length = 0;
    Logger.overrideLogger(capture);
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
    Logger.overrideLogger(true);
  });

  describe('when the output store throws', () => {
    it('never lets it escape into the child\'s stream handler, logs it once and keeps supervising', async () => {
      // Arrange
      const launcher = new FakeLauncher();
      const proc = new ManagedProcess(instanceOf({}), {
        launcher,
        probe: new FakeProbe(),
        output: new ThrowingOutputStore(),
        registry: new InMemoryChildRegistry(),
        ownerInstanceId: 'instance-1',
        globalEnv: () => ({}),
        emit: () => undefined,
      });
      await proc.start();
      const child = launcher.children[0];

      // Act
      const write = () => {
        child.write('stdout', 'one\n');
        child.write('stderr', 'two\n');
      };

      // Assert
      expect(write).not.toThrow();
      expect(errors).toEqual(['output of "web" failed and is skipped from now on: Refusing unsafe log name "web"']);
      expect(proc.currentState).toBe('running');
    });
  });
});
