import type { LoggerService } from '@nestjs/common';
import type { Severity } from '../../config/log-options.js';
import type { LogFields, ProcessLog } from './process-log.js';

/** A stack trace as Nest passes it to `error()`: a first line, then `at …` frames. */
const STACK = /^.*\n\s+at .+/;

/**
 * Nest's `LoggerService` over {@link ProcessLog}: `new Logger('Context')` in the library and
 * in the host write the same lines as bootstrap. A message may be an object: its `msg` (or
 * `message`) is the text and every other key a field of the JSON line, e.g.
 * `logger.log({ msg: 'web exited', process: { name: 'web', pid, exitCode, signal } })`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly sink: ProcessLog) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls `error(message, stack?, context?)`; a lone second argument is a stack only if it looks like one. */
  error(message: unknown, ...params: unknown[]): void {
    const rest = [...params];
    const context = rest.length >= 2 || (rest.length === 1 && !looksLikeStack(rest[0])) ? rest.pop() : undefined;
    const stack = rest.find(looksLikeStack);
    this.emit('error', message, typeof context === 'string' ? context : undefined, typeof stack === 'string' ? { stack } : {});
  }

  private write(severity: Severity, message: unknown, params: unknown[]): void {
    const last = params.at(-1);
    this.emit(severity, message, typeof last === 'string' ? last : undefined, {});
  }

  private emit(severity: Severity, message: unknown, context: string | undefined, extra: LogFields): void {
    if (!this.sink.isEnabled(severity)) return;
    const { text, fields } = split(message);
    this.sink.write(severity, text, context, { ...fields, ...extra });
  }
}

const looksLikeStack = (value: unknown): boolean => typeof value === 'string' && STACK.test(value);

function split(message: unknown): { text: string; fields: LogFields } {
  if (message instanceof Error) return { text: message.message, fields: message.stack ? { stack: message.stack } : {} };
  if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
    const { msg, message: alt, ...fields } = message as Record<string, unknown>;
    const text = msg ?? alt;
    return { text: typeof text === 'string' ? text : JSON.stringify(fields), fields };
  }
  return { text: typeof message === 'string' ? message : String(message), fields: {} };
}
