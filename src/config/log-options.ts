/** `LOG_FORMAT`: lines for people, or one JSON object per line for collectors. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `LOG_LEVEL`: Nest's level names, `info` being another name of `log`. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'info', 'debug', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];

/** What a line is written at: Nest's levels (`fatal` included, which no setting hides). */
export type Severity = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/**
 * Nest's levels as pino's: `log` is pino's `info`, `verbose` its `trace`; the JSON
 * lines carry pino's names (`"level":"info"`).
 */
export const PINO_LEVEL: Readonly<Record<Severity | 'info', 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** The format when `LOG_FORMAT` is not set: pretty when stdout is a terminal, JSON otherwise. */
export function defaultLogFormat(stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  return stdout.isTTY ? 'pretty' : 'json';
}
