import { parseProcessConfig, type ParseProcessConfigOptions } from './process-config.parser.js';
import type { ProcessSpec } from './process-spec.js';
import { PM2_WATCH_DELAY_MS } from './restart-triggers.fields.js';
import { InvalidProcessConfigError } from './supervisor.errors.js';
import { BASE_DIR, fakeResolvePath, SOURCE } from './testing/process-config.testing.js';

// PM2 `cron_restart` (alias `cron`) and `watch` / `ignore_watch` / `watch_delay`, as parsed.

/** Stands in for croner: only "bad" is refused. */
const cronProblem = (expression: string) => (expression.startsWith('bad') ? 'Invalid value for minute: 61' : null);

function parseApp(fields: Record<string, unknown>, options: Partial<ParseProcessConfigOptions> = {}): { spec: ProcessSpec; warnings: string[] } {
  const warnings: string[] = [];
  const [spec] = parseProcessConfig(
    { apps: [{ script: 'app.js', cwd: 'svc', ...fields }] },
    { source: SOURCE, baseDir: BASE_DIR, resolvePath: fakeResolvePath, cronProblem, warn: (m) => warnings.push(m), ...options },
  );
  return { spec, warnings };
}

function problemsOf(fields: Record<string, unknown>): readonly string[] {
  try {
    parseApp(fields);
  } catch (error) {
    if (error instanceof InvalidProcessConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected, but it parsed');
}

describe('cron_restart', () => {
  it.each([
    ['cron_restart', '*/5 * * * * *'],
    ['cron', '0 3 * * *'],
  ])('%p is kept, trimmed', (key, expression) => {
    expect(parseApp({ [key]: ` ${expression} ` }).spec.cronRestart).toBe(expression);
  });

  it.each([false, '0', 0])('%p means no cron, as PM2 writes it when unset', (value) => {
    expect(parseApp({ cron_restart: value }).spec.cronRestart).toBeNull();
  });

  it('is null when absent', () => {
    expect(parseApp({}).spec.cronRestart).toBeNull();
  });

  it('refuses an expression the cron parser refuses, naming the field and its reason', () => {
    expect(problemsOf({ cron_restart: 'bad 61 * * *' })).toEqual([
      'apps[0] "app": "cron_restart" is not a valid cron expression (Invalid value for minute: 61), got "bad 61 * * *"; e.g. "0 3 * * *" (03:00 daily) or "*/30 * * * * *" (every 30 s)',
    ]);
  });

  it('refuses a value that is not a string', () => {
    expect(problemsOf({ cron_restart: ['0 * * * *'] })).toEqual(['apps[0] "app": "cron_restart" must be a string, got a list']);
  });

  it('refuses both names at once', () => {
    expect(problemsOf({ cron_restart: '0 * * * *', cron: '0 * * * *' })).toEqual(['apps[0] "app": give PM2 "cron_restart" or its alias "cron", not both']);
  });
});

describe('watch', () => {
  it('true watches the cwd, with PM2\'s 1000 ms delay and no extra patterns', () => {
    expect(parseApp({ watch: true }).spec.watch).toEqual({ paths: [`${BASE_DIR}/svc`], ignore: [], delayMs: PM2_WATCH_DELAY_MS });
    expect(PM2_WATCH_DELAY_MS).toBe(1000);
  });

  it('a path or a list of paths is resolved against the cwd; absolute ones kept', () => {
    expect(parseApp({ watch: 'src' }).spec.watch!.paths).toEqual([`${BASE_DIR}/svc/src`]);
    expect(parseApp({ watch: ['src', '/etc/app.conf'] }).spec.watch!.paths).toEqual([`${BASE_DIR}/svc/src`, '/etc/app.conf']);
  });

  it('takes ignore_watch (one or a list) and watch_delay (ms or "2s")', () => {
    expect(parseApp({ watch: true, ignore_watch: '*.log', watch_delay: '2s' }).spec.watch).toMatchObject({ ignore: ['*.log'], delayMs: 2000 });
    expect(parseApp({ watch: true, ignore_watch: ['logs', 'tmp/**'], watch_delay: 0 }).spec.watch).toMatchObject({ ignore: ['logs', 'tmp/**'], delayMs: 0 });
  });

  it('false (or absent) watches nothing; ignore_watch then only warns', () => {
    const { spec, warnings } = parseApp({ watch: false, ignore_watch: ['node_modules'] });
    expect(spec.watch).toBeNull();
    expect(warnings).toEqual(['apps[0] "app": PM2 field "ignore_watch" has no effect without "watch" (true, a path or a list of paths)']);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ watch: 1 }, '"watch" must be true, false, a path or a list of paths, got 1'],
    [{ watch: [] }, '"watch" is an empty list: give true (the cwd), paths, or false'],
    [{ watch: ['src', ''] }, '"watch[1]" must be a non-empty string (a path or pattern), or a list of them, got ""'],
    [{ watch: true, ignore_watch: [3] }, '"ignore_watch[0]" must be a non-empty string (a path or pattern), or a list of them, got 3'],
    [{ watch: true, watch_delay: -1 }, '"watch_delay" must be milliseconds or a time such as "10s", "1m", "2h", from 0 to 86400000 (24 h) ms, got -1'],
    [{ watch: Array.from({ length: 65 }, (_, i) => `d${i}`) }, '"watch" lists 65 entries; at most 64'],
  ])('refuses %p, naming the field', (fields, problem) => {
    expect(problemsOf(fields)).toEqual([`apps[0] "app": ${problem}`]);
  });
});
