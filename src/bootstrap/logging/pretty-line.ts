import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** pino's level names as Nest prints them. */
const LABELS: Readonly<Record<string, string>> = { trace: 'VERBOSE', debug: 'DEBUG', info: 'LOG', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };

/**
 * pino-pretty, called in this thread for each line (no transport worker whose queue an
 * exit could cut short): `[procguard] <pid> <ISO time> <LEVEL> [<context>] <message>`,
 * as procguard's lines have always read. A line's fields are for the JSON format: the
 * message already says them in words; an error's stack follows on its own lines.
 */
export function prettyLine(name: string, colorize: boolean): (json: string) => string {
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({
    colorize,
    hideObject: true,
    ignore: 'level,time,pid,hostname,name',
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => {
      const level = String(log.level);
      const paint = level === 'error' || level === 'fatal' ? colors.red : level === 'warn' ? colors.yellow : colors.green;
      const context = typeof log.context === 'string' ? `[${log.context}] ` : '';
      const stack = typeof log.stack === 'string' ? `\n${log.stack}` : '';
      return `[${String(log.name ?? name)}] ${String(log.pid)} ${String(log.time)} ${paint(LABELS[level] ?? level.toUpperCase())} ${context}${String(log.msg ?? '')}${stack}`;
    },
  });
}
