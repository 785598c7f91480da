import { dateFormatProblem, PM2_TIME_FORMAT } from './log-date-format.js';
import { DEFAULT_FILE, DISCARD, type LogFilesSpec } from './log-files.js';
import { describeValue, type FieldReader } from './process-config.fields.js';

/** PM2's log keys with their aliases (schema.json "alias"), each read as the first. */
const OUT_KEYS = ['out_file', 'out', 'output', 'out_log'] as const;
const ERR_KEYS = ['error_file', 'error', 'err', 'err_file', 'err_log'] as const;
const LOG_KEYS = ['log_file', 'log'] as const;
const MERGE_KEYS = ['merge_logs', 'combine_logs'] as const;

/** The keys this file reads (accepted by the entry parser). */
export const PM2_LOG_FIELDS: readonly string[] = [...OUT_KEYS, ...ERR_KEYS, ...LOG_KEYS, ...MERGE_KEYS, 'log_date_format', 'time'];

/**
 * PM2 `out_file` / `error_file` / `log_file` / `merge_logs` / `log_date_format` / `time`.
 * Relative paths are resolved against the process's `cwd` (as PM2 does); "/dev/null" and
 * "NULL" write no file; `log_file: true` is the combined file in PM2's default place, here
 * the log directory's `<instance>.log`. Undefined when no log key is given.
 */
export function readLogFiles(r: FieldReader, cwd: string, resolvePath: (base: string, p: string) => string): LogFilesSpec | undefined {
  const given = PM2_LOG_FIELDS.filter((key) => r.has(key));
  if (given.length === 0) return undefined;
  for (const keys of [OUT_KEYS, ERR_KEYS, LOG_KEYS, MERGE_KEYS]) {
    const present = keys.filter((key) => r.has(key));
    if (present.length > 1) r.note(`give one of ${present.map((k) => `"${k}"`).join(', ')} (PM2 aliases of one field), not several`);
  }
  const path = (keys: readonly string[]): string | null => {
    const key = r.pick(...keys);
    const value = r.string(key);
    if (value === undefined) return null;
    if (value === '/dev/null' || value === 'NULL') return DISCARD;
    if (value.startsWith('~')) {
      r.fail(key, `starts with "~", which is not expanded here: give an absolute path or one relative to "cwd", got ${describeValue(value)}`);
      return null;
    }
    return resolvePath(cwd, value);
  };
  const out = path(OUT_KEYS);
  const err = path(ERR_KEYS);
  // PM2: `log_file: true` asks for the combined file at its default place (here the default file already has both streams).
  const logKey = r.pick(...LOG_KEYS);
  const combined = r.raw(logKey) === true ? DEFAULT_FILE : r.raw(logKey) === false ? null : path(LOG_KEYS);
  const merge = r.boolean(r.pick(...MERGE_KEYS), false);
  const time = r.boolean('time', false);
  let dateFormat = r.string('log_date_format') ?? null;
  if (dateFormat !== null) {
    const problem = dateFormatProblem(dateFormat);
    if (problem) {
      r.fail('log_date_format', problem);
      dateFormat = null;
    }
  } else if (time) {
    dateFormat = PM2_TIME_FORMAT;
  }
  return Object.freeze({ out, err, combined: combined === DISCARD ? null : combined, merge, dateFormat });
}
