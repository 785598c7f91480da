import { Logger } from '@nestjs/common';
import type { Severity } from '../../config/log-options.js';
import { PinoNestLogger } from './pino-nest-logger.js';
import type { LogFields, ProcessLog } from './process-log.js';

/** A ProcessLog that records what it is given. */
function recordingLog(enabled: (s: Severity) => boolean = () => true) {
  const lines: { severity: Severity; message: string; context?: string; fields?: LogFields }[] = [];
  const log = {
    isEnabled: enabled,
    write: (severity: Severity, message: string, context?: string, fields?: LogFields) => void lines.push({ severity, message, context, fields }),
  } as unknown as ProcessLog;
  return { log, lines };
}

describe('PinoNestLogger', () => {
  afterEach(() => Logger.overrideLogger(true));

  it('passes a Logger instance\'s context, and an object message\'s fields beside its text', () => {
    const { log, lines } = recordingLog();
    Logger.overrideLogger(new PinoNestLogger(log));

    new Logger('Supervisor').log({ msg: 'web exited', process: { name: 'web', pid: 7, exitCode: 1, signal: null } });
    new Logger('Supervisor').warn('plain text');

    expect(lines).toEqual([
      { severity: 'log', message: 'web exited', context: 'Supervisor', fields: { process: { name: 'web', pid: 7, exitCode: 1, signal: null } } },
      { severity: 'warn', message: 'plain text', context: 'Supervisor', fields: {} },
    ]);
  });

  it('tells a stack from a context in error(), as Nest passes them', () => {
    const { log, lines } = recordingLog();
    const logger = new PinoNestLogger(log);
    const stack = new Error('boom').stack!;

    logger.error('failed', stack, 'Ctx');
    logger.error('failed', 'OnlyContext');
    logger.error('failed', stack);
    logger.error(new Error('thrown'));

    expect(lines.map(({ context, fields }) => ({ context, stack: typeof fields?.stack === 'string' }))).toEqual([
      { context: 'Ctx', stack: true },
      { context: 'OnlyContext', stack: false },
      { context: undefined, stack: true },
      { context: undefined, stack: true },
    ]);
    expect(lines[3].message).toBe('thrown');
  });

  it('builds nothing for a level that is off', () => {
    const { log, lines } = recordingLog((s) => s !== 'debug');
    new PinoNestLogger(log).debug({ msg: 'hidden' }, 'Ctx');
    expect(lines).toEqual([]);
  });
});
