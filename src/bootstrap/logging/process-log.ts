import { createRequire } from 'node:module';
import type { Logger as Pino, DestinationStream, LevelWithSilent } from 'pino';
import { defaultLogFormat, PINO_LEVEL, type LogFormat, type LogLevelSetting, type Severity } from '../../config/log-options.js';
import { prettyLine } from './pretty-line.js';

/** Structured fields of a line (`process: { name, pid, exitCode, signal }` on lifecycle lines). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface LogConfig {
  /** null: {@link defaultLogFormat}. */
  readonly format: LogFormat | null;
  readonly level: LogLevelSetting;
}

// pino and pino-pretty are CommonJS: required on the first line written, so a start that
// writes nothing before it exits (a refused duplicate on a terminal) never loads them.
const require = createRequire(import.meta.url);

/**
 * The one logger of a procguard process: bootstrap's own lines, Nest's (through
 * PinoNestLogger) and the dev session's all go through it, in one format. Every line
 * is written synchronously (levels warn and up to stderr, the rest to stdout), so
 * nothing is held in a buffer that `process.exit` or a crash would lose.
 */
export class ProcessLog {
  private pino: Pino | null = null;
  private config: LogConfig = { format: null, level: 'log' };
  private bindings: Record<string, unknown> = {};

  constructor(private name = 'procguard') {}

  /** Format and level from the settings; lines before this use the defaults. */
  configure(config: LogConfig, name?: string): void {
    this.config = config;
    if (name) this.name = name;
    this.pino = null;
  }

  /** Every later line carries `instanceId` (known once the lock is held). */
  setInstanceId(instanceId: string): void {
    this.bindings = { ...this.bindings, instanceId };
    if (this.pino) this.pino = this.pino.child({ instanceId });
  }

  get format(): LogFormat {
    return this.config.format ?? defaultLogFormat();
  }

  isEnabled(severity: Severity): boolean {
    return this.logger().isLevelEnabled(PINO_LEVEL[severity]);
  }

  write(severity: Severity, message: string, context?: string, fields?: LogFields): void {
    const logger = this.logger();
    const level = PINO_LEVEL[severity];
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ ...fields, ...(context ? { context } : {}) }, message);
  }

  /**
   * A message for the person who started the process (a refusal, a configuration
   * mistake): in the pretty format its text alone on stderr, several lines as written;
   * in JSON one error line, `msg` holding the whole text and `fields` beside it.
   */
  tell(text: string, context: string, fields?: LogFields): void {
    if (this.format === 'pretty') console.error(text);
    else this.write('error', text, context, fields);
  }

  private logger(): Pino {
    if (!this.pino) this.pino = this.create();
    return this.pino;
  }

  private create(): Pino {
    const pino = require('pino') as typeof import('pino');
    const format = this.format;
    const line = format === 'pretty' ? prettyLine(this.name, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR) : (json: string) => json;
    const stream = pino.multistream(
      [
        { level: 'trace', stream: syncWriter(1, line) },
        { level: 'warn', stream: syncWriter(2, line) },
      ],
      { dedupe: true },
    );
    const logger = pino.pino(
      {
        name: this.name,
        level: PINO_LEVEL[this.config.level] as LevelWithSilent,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    );
    return Object.keys(this.bindings).length > 0 ? logger.child(this.bindings) : logger;
  }
}

/**
 * Writes each line with one write(2) to `fd` before returning. A write that fails (a
 * terminal that closed, a reader gone) drops the line: logging must never throw into
 * the caller, least of all during shutdown.
 */
function syncWriter(fd: number, line: (json: string) => string): DestinationStream {
  const { writeSync } = require('node:fs') as typeof import('node:fs');
  return {
    write(json: string) {
      const text = line(json);
      const bytes = Buffer.from(text);
      let offset = 0;
      // A pipe opened non-blocking answers EAGAIN when full: wait for the reader, bounded.
      for (let attempts = 0; offset < bytes.length && attempts < 1000; ) {
        try {
          offset += writeSync(fd, bytes, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
          attempts++;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        }
      }
    },
  };
}

/** A valid `LOG_FORMAT` in `env`, else null (the default): for the messages written before the settings are known. */
export function logFormatOf(env: NodeJS.ProcessEnv): LogFormat | null {
  const value = env.LOG_FORMAT?.trim();
  return value === 'pretty' || value === 'json' ? value : null;
}

/** The logger of this process. */
export const processLog = new ProcessLog();
