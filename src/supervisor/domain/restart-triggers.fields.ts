import { DAY_MS } from './process-config.constants.js';
import { describeValue, type FieldReader, NUL_REASON, quote } from './process-config.fields.js';
import type { WatchSpec } from './process-spec.js';

// Readers of PM2's restart triggers: `cron_restart` (alias `cron`) and `watch` with
// `ignore_watch` and `watch_delay`. The entry parser (process-entry.parser.ts) calls them.

/** PM2's Watcher.js waits this long after the last change before restarting. */
export const PM2_WATCH_DELAY_MS = 1000;
/** Paths and patterns a process may list: enough for any real app, bounded for the watcher. */
export const MAX_WATCH_ENTRIES = 64;

/**
 * Why a cron expression is unusable, or null; injected (the domain has no cron parser):
 * the loader passes croner's verdict, and without one any non-empty string is taken.
 */
export type CronProblem = (expression: string) => string | null;

/** PM2 `cron_restart` (or `cron`): a 5-field expression, or 6 with seconds first. */
export function readCronRestart(r: FieldReader, cronProblem: CronProblem | undefined): string | null {
  if (r.has('cron_restart') && r.has('cron')) r.note('give PM2 "cron_restart" or its alias "cron", not both');
  const key = r.pick('cron_restart', 'cron');
  if (!r.has(key)) return null;
  const value = r.raw(key);
  // PM2 accepts `cron_restart: false` / "0" as "no cron" (its CLI writes them when unset).
  if (value === false || value === '0' || value === 0) return null;
  const expression = r.string(key);
  if (expression === undefined) return null;
  const problem = cronProblem?.(expression.trim()) ?? null;
  if (problem === null) return expression.trim();
  r.fail(key, `is not a valid cron expression (${problem}), got ${quote(expression)}; e.g. "0 3 * * *" (03:00 daily) or "*/30 * * * * *" (every 30 s)`);
  return null;
}

/**
 * PM2 `watch`: true watches `cwd`; a path or a list of paths (relative to `cwd`) watches
 * those; false or absent, nothing. `ignore_watch` adds patterns (see watchIgnored), and
 * `watch_delay` is the quiet time after the last change before the restart.
 */
export function readWatch(r: FieldReader, cwd: string, resolvePath: (base: string, p: string) => string, warnings: string[]): WatchSpec | null {
  const value = r.raw('watch');
  if (value === undefined || value === null || value === false) {
    // PM2's own examples write `watch: false` beside `ignore_watch`: accepted, said once.
    for (const key of ['ignore_watch', 'watch_delay']) {
      if (r.has(key)) warnings.push(`${r.owner}: PM2 field "${key}" has no effect without "watch" (true, a path or a list of paths)`);
    }
    return null;
  }
  if (value !== true && typeof value !== 'string' && !Array.isArray(value)) {
    r.fail('watch', `must be true, false, a path or a list of paths, got ${describeValue(value)}`);
    return null;
  }
  const paths = value === true ? [cwd] : readStrings(r, 'watch', value)?.map((p) => resolvePath(cwd, p)) ?? [];
  if (value !== true && paths.length === 0 && Array.isArray(value) && value.length === 0) r.fail('watch', 'is an empty list: give true (the cwd), paths, or false');
  const ignore = r.has('ignore_watch') ? (readStrings(r, 'ignore_watch', r.raw('ignore_watch')) ?? []) : [];
  const delayMs = r.pm2Millis('watch_delay', 0, DAY_MS, PM2_WATCH_DELAY_MS);
  return Object.freeze({ paths: Object.freeze(paths), ignore: Object.freeze(ignore), delayMs });
}

/** One string or a list of them (PM2 takes either), each non-empty and without NUL. */
function readStrings(r: FieldReader, key: string, value: unknown): string[] | null {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length > MAX_WATCH_ENTRIES) {
    r.fail(key, `lists ${list.length} entries; at most ${MAX_WATCH_ENTRIES}`);
    return null;
  }
  const out: string[] = [];
  list.forEach((item, i) => {
    const field = Array.isArray(value) ? `${key}[${i}]` : key;
    if (typeof item !== 'string' || item.trim() === '') r.fail(field, `must be a non-empty string (a path or pattern), or a list of them, got ${describeValue(item)}`);
    else if (item.includes('\0')) r.fail(field, NUL_REASON);
    else out.push(item);
  });
  return out;
}
