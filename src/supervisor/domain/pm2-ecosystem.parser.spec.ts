import { parseProcessConfig, type ParseProcessConfigOptions } from './process-config.parser.js';
import { expandInstances, type ProcessSpec } from './process-spec.js';
import { PM2_REFUSED_FIELDS, PM2_WARNED_FIELDS } from './pm2-fields.js';
import { InvalidProcessConfigError } from './supervisor.errors.js';
import { BASE_DIR, fakeResolvePath, SOURCE } from './testing/process-config.testing.js';

// PM2 ecosystem files (`apps`): each field with PM2's meaning, formats and defaults.

interface Parsed {
  readonly specs: ProcessSpec[];
  readonly warnings: string[];
}

function parseApps(apps: unknown[], options: Partial<ParseProcessConfigOptions> = {}): Parsed {
  const warnings: string[] = [];
  const specs = parseProcessConfig(
    { apps },
    { source: SOURCE, baseDir: BASE_DIR, resolvePath: fakeResolvePath, cpuCount: 4, warn: (m) => warnings.push(m), ...options },
  );
  return { specs, warnings };
}

/** The spec of one app `{ script: 'app.js', ...fields }`. */
function app(fields: Record<string, unknown>, options: Partial<ParseProcessConfigOptions> = {}): ProcessSpec {
  return parseApps([{ script: 'app.js', ...fields }], options).specs[0];
}

function warningsOf(fields: Record<string, unknown>): string[] {
  return parseApps([{ script: 'app.js', ...fields }]).warnings;
}

function problemsOf(fields: Record<string, unknown>, options: Partial<ParseProcessConfigOptions> = {}): readonly string[] {
  try {
    parseApps([{ script: 'app.js', ...fields }], options);
  } catch (error) {
    if (error instanceof InvalidProcessConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected, but it parsed');
}

describe('a PM2 ecosystem file (apps)', () => {
  describe('name', () => {
    it.each([
      ['app.js', 'app'],
      ['./src/server.js', 'server'],
      ['/opt/api/index.mjs', 'index'],
      ['bin/worker', 'worker'],
      ['npm', 'npm'],
      ['job.py', 'job'],
    ])('defaults to the file name of script %p without its extension: %p', (script, name) => {
      expect(app({ script }).name).toBe(name);
    });

    it('keeps a given name', () => {
      expect(app({ name: 'api' }).name).toBe('api');
    });

    it('names the default in a problem', () => {
      expect(problemsOf({ instances: 'many' })).toEqual(['apps[0] "app": "instances" must be a whole number from 1 to 100, got "many"']);
    });

    it('is required when there is no script to take it from', () => {
      expect(problemsOf({ script: undefined, command: 'node' })).toEqual([
        'apps[0]: "name" is required (or PM2 "script", whose file name is the default name)',
      ]);
    });
  });

  describe('script, interpreter, node_args and args', () => {
    it('runs a .js script with node, node_args before the script, args after', () => {
      expect(app({ node_args: '--max-old-space-size=512 --enable-source-maps', args: '--port 3000' })).toMatchObject({
        command: 'node',
        args: ['--max-old-space-size=512', '--enable-source-maps', 'app.js', '--port', '3000'],
      });
    });

    it.each(['interpreter_args', 'interpreterArgs'])('takes %p as the same setting as node_args', (key) => {
      expect(app({ [key]: ['--inspect'] }).args).toEqual(['--inspect', 'app.js']);
    });

    it('splits a string of args into words, quotes keeping spaces', () => {
      expect(app({ args: `--name "my app" --tag 'a b'  -v` }).args).toEqual(['app.js', '--name', 'my app', '--tag', 'a b', '-v']);
    });

    it('takes a list of args as it is', () => {
      expect(app({ args: ['--name', 'my app', 3] }).args).toEqual(['app.js', '--name', 'my app', '3']);
    });

    it.each([
      ['job.py', 'python3'],
      ['deploy.sh', 'bash'],
      ['task.rb', 'ruby'],
      ['index.php', 'php'],
      ['run.pl', 'perl'],
      ['server.mjs', 'node'],
    ])('picks the interpreter PM2 picks for %p: %p', (script, command) => {
      expect(app({ script })).toMatchObject({ command, args: [script] });
    });

    it('uses interpreter, or its alias exec_interpreter, when given', () => {
      expect(app({ script: 'job.py', interpreter: '/usr/bin/python3.12' }).command).toBe('/usr/bin/python3.12');
      expect(app({ script: 'job.py', exec_interpreter: 'pypy' }).command).toBe('pypy');
    });

    it('runs a bare program name such as npm itself, from PATH, as PM2 does', () => {
      expect(app({ script: 'npm', args: 'start' })).toMatchObject({ name: 'npm', command: 'npm', args: ['start'] });
      expect(app({ script: 'npm', interpreter: 'node' })).toMatchObject({ command: 'node', args: ['npm'] });
      expect(app({ script: './bin/server' })).toMatchObject({ command: 'node', args: ['./bin/server'] });
      expect(problemsOf({ script: 'npm', node_args: '--inspect' })).toEqual([
        'apps[0] "npm": "node_args" are the interpreter\'s arguments, but "npm" runs itself (a program on PATH)',
      ]);
    });

    it('runs the script itself with interpreter "none"', () => {
      expect(app({ script: './bin/server', interpreter: 'none', args: '-p 1' })).toMatchObject({ command: './bin/server', args: ['-p', '1'] });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['node_args with interpreter none', { interpreter: 'none', node_args: '--inspect' }, '"node_args" are the interpreter\'s arguments, but "interpreter" is "none"'],
      ['node_args not a list or string', { node_args: 5 }, '"node_args" must be a list of strings, or one string split on spaces, got 5'],
      ['node_args and interpreter_args', { node_args: 'a', interpreter_args: 'b' }, 'give one of PM2 "node_args", "interpreter_args": they are the same setting'],
      ['interpreter and exec_interpreter', { interpreter: 'a', exec_interpreter: 'b' }, 'give PM2 "interpreter" or its alias "exec_interpreter", not both'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsOf(fields)).toEqual([`apps[0] "app": ${problem}`]);
    });
  });

  describe('instances', () => {
    it.each<[unknown, number]>([
      ['max', 4],
      [0, 4],
      [-1, 3],
      [-3, 1],
      [-9, 1],
      [3, 3],
    ])('%p on 4 CPUs runs %p', (instances, count) => {
      expect(app({ instances }).instances).toBe(count);
    });

    it('caps "max" at 100 instances', () => {
      expect(app({ instances: 'max' }, { cpuCount: 256 }).instances).toBe(100);
    });
  });

  describe('env and PROCESSES_ENV', () => {
    const fields = {
      env: { NODE_ENV: 'development', PORT: 3000, SHARED: 'yes' },
      env_production: { NODE_ENV: 'production', PORT: 80 },
      env_staging: { NODE_ENV: 'staging' },
    };

    it('uses env alone without PROCESSES_ENV', () => {
      expect(app(fields).env).toEqual({ NODE_ENV: 'development', PORT: '3000', SHARED: 'yes' });
    });

    it('merges the selected env_<name> over env, its variables winning', () => {
      expect(app(fields, { envName: 'production' }).env).toEqual({ NODE_ENV: 'production', PORT: '80', SHARED: 'yes' });
      expect(app(fields, { envName: 'staging' }).env).toEqual({ NODE_ENV: 'staging', PORT: '3000', SHARED: 'yes' });
    });

    it('selects a block whose name has "-" or "." (env_pre-prod)', () => {
      expect(app({ env: { A: 1 }, 'env_pre-prod': { A: 2 } }, { envName: 'pre-prod' }).env).toEqual({ A: '2' });
    });

    it('uses env alone for an app without the selected block', () => {
      expect(app({ env: { A: 1 } }, { envName: 'production' }).env).toEqual({ A: '1' });
    });

    it('warns when no app has the selected block (a typo, most likely)', () => {
      const warnings = (envName: string) => parseApps([{ script: 'a.js', env_production: {} }, { script: 'b.js' }], { envName }).warnings;
      expect(warnings('prod')).toEqual(['PROCESSES_ENV is "prod", but no process has an "env_prod" block: every process runs with its "env" alone']);
      expect(warnings('production')).toEqual([]);
    });

    it('checks the selected block as env, naming it', () => {
      expect(problemsOf({ env_production: { 'BAD-NAME': 1, OK: { deep: 1 } } }, { envName: 'production' })).toEqual([
        'apps[0] "app": "env_production" has the variable name "BAD-NAME": names are letters, digits and "_", not starting with a digit',
        'apps[0] "app": "env_production.OK" must be a string, a number or a boolean, got an object',
      ]);
    });

    it('reports a block that is not an object, selected or not', () => {
      expect(problemsOf({ env_staging: 'staging' })).toEqual(['apps[0] "app": "env_staging" must be an object of NAME: value, got "staging"']);
    });
  });

  describe('restarts: autorestart, max_restarts, min_uptime, restart delays, stop_exit_codes', () => {
    it("applies PM2's defaults: 16 unstable restarts, min_uptime 1000 ms, no restart window, kill_timeout 1600 ms", () => {
      expect(app({})).toMatchObject({ maxRestarts: 16, restartWindowMs: null, killTimeoutMs: 1600, backoff: { resetAfterMs: 1000 } });
    });

    it('keeps our own defaults in a "processes" file', () => {
      const [spec] = parseProcessConfig({ processes: [{ name: 'web', command: 'node' }] }, { source: SOURCE, baseDir: BASE_DIR, resolvePath: fakeResolvePath });
      expect(spec).toMatchObject({ maxRestarts: 10, restartWindowMs: 60_000, killTimeoutMs: 3000, backoff: { resetAfterMs: 10_000 } });
    });

    it('keeps a restartWindowMs given in an apps file', () => {
      expect(app({ restartWindowMs: 5000 }).restartWindowMs).toBe(5000);
    });

    it.each<[unknown, number]>([
      [5000, 5000],
      ['5000', 5000],
      ['10s', 10_000],
      ['1m', 60_000],
      ['2h', 7_200_000],
      ['500ms', 500],
    ])('reads min_uptime %p as %p ms', (min_uptime, ms) => {
      expect(app({ min_uptime }).backoff.resetAfterMs).toBe(ms);
    });

    it.each(['10 seconds', '1d', '-5s', true])('reports min_uptime %p', (min_uptime) => {
      expect(problemsOf({ min_uptime })[0]).toMatch(/^apps\[0\] "app": "min_uptime" must be milliseconds or a time such as "10s", "1m", "2h"/);
    });

    it('reads restart_delay as a fixed delay and exp_backoff_restart_delay as a growing one up to 15 s', () => {
      expect(app({ restart_delay: 4000 }).backoff).toMatchObject({ initialDelayMs: 4000, factor: 1, maxDelayMs: 4000 });
      expect(app({ exp_backoff_restart_delay: 100 }).backoff).toMatchObject({ initialDelayMs: 100, factor: 1.5, maxDelayMs: 15_000 });
    });

    it('reads autorestart and autostart', () => {
      expect(app({ autorestart: false, autostart: false })).toMatchObject({ autorestart: 'never', autostart: false });
      expect(app({}).autostart).toBe(true);
    });

    it('reads stop_exit_codes as one code or a list', () => {
      expect(app({ stop_exit_codes: [0, 3] }).stopExitCodes).toEqual([0, 3]);
      expect(app({ stop_exit_codes: 0 }).stopExitCodes).toEqual([0]);
      expect(app({}).stopExitCodes).toEqual([]);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['stop_exit_codes out of range', { stop_exit_codes: [0, 256] }, '"stop_exit_codes[1]" must be an exit code from 0 to 255 (or a list of them), got 256'],
      ['stop_exit_codes as a string', { stop_exit_codes: '0' }, '"stop_exit_codes" must be an exit code from 0 to 255 (or a list of them), got "0"'],
      ['autostart "no"', { autostart: 'no' }, '"autostart" must be true or false, got "no"'],
      ['kill_timeout "5s" (PM2 takes ms only)', { kill_timeout: '5s' }, '"kill_timeout" must be a whole number of milliseconds from 0 to 600000, got "5s"'],
      ['restart_delay "4s" (PM2 takes ms only)', { restart_delay: '4s' }, '"restart_delay" must be a whole number of milliseconds from 0 to 86400000 (24 h), got "4s"'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsOf(fields)).toEqual([`apps[0] "app": ${problem}`]);
    });
  });

  describe('instances and ports (exec_mode cluster)', () => {
    it('gives each instance its own PORT from env.PORT as the base, and NODE_APP_INSTANCE from 0', () => {
      const spec = app({ instances: 3, exec_mode: 'cluster', env: { PORT: 3000 } });
      expect(expandInstances(spec).map((i) => [i.name, i.env.PORT, i.env.NODE_APP_INSTANCE, i.env.INSTANCE_INDEX])).toEqual([
        ['app-1', '3000', '0', '1'],
        ['app-2', '3001', '1', '2'],
        ['app-3', '3002', '2', '3'],
      ]);
    });

    it('takes the base port from the selected env_<name> block', () => {
      const spec = app({ instances: 2, env: { PORT: 3000 }, env_production: { PORT: 8080 } }, { envName: 'production' });
      expect(expandInstances(spec).map((i) => i.env.PORT)).toEqual(['8080', '8081']);
    });

    it('prefers "port" over env.PORT', () => {
      const spec = app({ instances: 2, port: 4000, env: { PORT: 3000 } });
      expect(expandInstances(spec).map((i) => i.env.PORT)).toEqual(['4000', '4001']);
    });

    it('leaves env.PORT alone for a single instance', () => {
      expect(app({ env: { PORT: 3000 } }).port).toBeNull();
      expect(expandInstances(app({ env: { PORT: 3000 } }))[0].env.PORT).toBe('3000');
    });

    it('renames NODE_APP_INSTANCE with instance_var and raises increment_var by the index', () => {
      const spec = app({ instances: 2, instance_var: 'WORKER_ID', increment_var: 'METRICS_PORT', env: { METRICS_PORT: 9100 } });
      const envs = expandInstances(spec).map((i) => i.env);
      expect(envs.map((e) => [e.WORKER_ID, e.METRICS_PORT, e.NODE_APP_INSTANCE])).toEqual([
        ['0', '9100', undefined],
        ['1', '9101', undefined],
      ]);
    });

    it('warns once that cluster mode runs separate processes on their own ports', () => {
      expect(warningsOf({ instances: 2, exec_mode: 'cluster_mode', env: { PORT: 3000 } })).toEqual([
        'apps[0] "app": PM2 "exec_mode: cluster" runs separate processes here (no node:cluster, no shared port): each instance gets its own PORT = base + NODE_APP_INSTANCE',
      ]);
      expect(warningsOf({ exec_mode: 'fork' })).toEqual([]);
    });

    it.each<[string, Record<string, unknown>, string]>([
      [
        'cluster with several instances and no port',
        { instances: 2, exec_mode: 'cluster' },
        '"exec_mode" "cluster" with 2 instances needs a base port here: instances do not share one port (no node:cluster), each listens on its own, PORT = base + instance index (0-based); give "port" or env.PORT, and read PORT in the app',
      ],
      ['a PORT that is not a number', { instances: 2, env: { PORT: 'http' } }, '"env.PORT" must be a port number to give each of the 2 instances its own port (PORT + instance index), got "http"'],
      ['ports past 65535', { instances: 3, env: { PORT: 65534 } }, '"env.PORT" 65534 with 3 instances would use ports up to 65536; the last must be at most 65535'],
      ['exec_mode "thread"', { exec_mode: 'thread' }, '"exec_mode" must be "fork" or "cluster" (or "fork_mode", "cluster_mode"), got "thread"'],
      ['increment_var PORT', { instances: 2, increment_var: 'PORT', env: { PORT: 3000 } }, '"increment_var" is "PORT": each instance already gets PORT = base + its index from "port" or env.PORT; remove it'],
      ['increment_var of a word', { increment_var: 'ID', env: { ID: 'x' } }, '"increment_var" names ID, whose value in "env" must be a whole number to be incremented, got "x"'],
      ['instance_var not a name', { instance_var: 'A-B' }, '"instance_var" must be a variable name (letters, digits and "_", not starting with a digit), got "A-B"'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsOf(fields)).toEqual([`apps[0] "app": ${problem}`]);
    });
  });

  describe('max_memory_restart', () => {
    it.each<[unknown, number]>([
      ['200M', 200 * 1048576],
      ['1G', 1024 ** 3],
      ['2048K', 2048 * 1024],
      ['300m', 300 * 1048576],
      [104857600, 104857600],
      ['104857600', 104857600],
    ])('reads %p as %p bytes', (max_memory_restart, bytes) => {
      expect(app({ max_memory_restart }).maxMemoryBytes).toBe(bytes);
    });

    it.each(['200 MB of RAM', '1T', '-5M', 0, '10K', true])('reports %p', (max_memory_restart) => {
      expect(problemsOf({ max_memory_restart })).toEqual([
        `apps[0] "app": "max_memory_restart" must be bytes of at least 1 MiB, or a size such as "200M", "1G", "2048K", got ${typeof max_memory_restart === 'string' ? JSON.stringify(max_memory_restart) : String(max_memory_restart)}`,
      ]);
    });
  });

  describe('wait_ready and listen_timeout', () => {
    it("waits for 'ready' for listen_timeout ms, 3000 by default, as PM2", () => {
      expect(app({ wait_ready: true }).waitReady).toEqual({ timeoutMs: 3000 });
      expect(app({ wait_ready: true, listen_timeout: 10_000 }).waitReady).toEqual({ timeoutMs: 10_000 });
      expect(app({}).waitReady).toBeNull();
      expect(warningsOf({ wait_ready: true, listen_timeout: 10_000 })).toEqual([]);
    });

    it('warns about a listen_timeout without wait_ready', () => {
      expect(warningsOf({ listen_timeout: 10_000 })).toEqual(['apps[0] "app": PM2 field "listen_timeout" is accepted but has no effect: it applies only with "wait_ready: true"']);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['listen_timeout "10s" (PM2 takes ms only)', { wait_ready: true, listen_timeout: '10s' }, '"listen_timeout" must be a whole number of milliseconds from 1 to 86400000 (24 h), got "10s"'],
      ['wait_ready "yes"', { wait_ready: 'yes' }, '"wait_ready" must be true or false, got "yes"'],
      ['wait_ready with readiness', { wait_ready: true, port: 3000, readiness: { tcp: true } }, '"wait_ready" and "readiness" both decide when the process is running; give one'],
      ['wait_ready with shell', { wait_ready: true, shell: true }, '"wait_ready" needs the process itself to be the Node program that sends \'ready\', not a shell ("shell: true")'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsOf(fields)).toEqual([`apps[0] "app": ${problem}`]);
    });
  });

  describe('fields with no counterpart', () => {
    it('warns once per accepted field that has no effect, naming it, and runs the same', () => {
      const fields = { namespace: 'x', pmx: true };
      expect(warningsOf(fields)).toEqual([
        'apps[0] "app": PM2 field "namespace" is accepted but has no effect: procguard has no namespaces',
        'apps[0] "app": PM2 field "pmx" is accepted but has no effect: a PM2 / Keymetrics (APM) feature',
      ]);
      expect(app(fields)).toEqual(app({}));
    });

    it('honours the log fields (no warning): out_file, error_file, log_file, merge_logs, log_date_format, time', () => {
      const fields = { out_file: './out.log', error_file: '/var/err.log', log_file: 'all.log', merge_logs: true, log_date_format: 'YYYY', time: true };
      expect(warningsOf(fields)).toEqual([]);
      expect(app(fields).logs).toEqual({ out: '/srv/app/./out.log', err: '/var/err.log', combined: '/srv/app/all.log', merge: true, dateFormat: 'YYYY' });
      expect(app({ time: true }).logs).toMatchObject({ out: null, err: null, dateFormat: 'YYYY-MM-DD[T]HH:mm:ss' });
      expect(app({ out: '/dev/null', err_log: 'NULL', log: true }).logs).toMatchObject({ out: 'discard', err: 'discard', combined: 'default' });
    });

    it('refuses a log_date_format token it cannot honour and a path with ~, naming the field', () => {
      expect(problemsOf({ log_date_format: 'dddd' })).toEqual([expect.stringContaining('"log_date_format" uses "d"')]);
      expect(problemsOf({ out_file: '~/out.log' })).toEqual([expect.stringContaining('"out_file" starts with "~"')]);
      expect(problemsOf({ out_file: 'a.log', out: 'b.log' })).toEqual([expect.stringContaining('PM2 aliases of one field')]);
    });

    it.each(Object.keys(PM2_WARNED_FIELDS))('warns about %p once, naming it, with the app unchanged', (key) => {
      expect(warningsOf({ [key]: 'anything' })).toEqual([`apps[0] "app": PM2 field "${key}" is accepted but has no effect: ${PM2_WARNED_FIELDS[key]}`]);
      expect(app({ [key]: 'anything' })).toEqual(app({}));
    });

    it.each(Object.keys(PM2_REFUSED_FIELDS))('refuses %p with a value that asks for something not done here, naming it', (key) => {
      expect(problemsOf({ [key]: 'something' })).toEqual([`apps[0] "app": "${key}" ${PM2_REFUSED_FIELDS[key].reason}`]);
    });

    it('warns about a top-level deploy section', () => {
      const warnings: string[] = [];
      parseProcessConfig({ apps: [], deploy: { production: {} } }, { source: SOURCE, baseDir: BASE_DIR, resolvePath: fakeResolvePath, warn: (m) => warnings.push(m) });
      expect(warnings).toEqual(['the config: PM2 field "deploy" is accepted but has no effect: procguard does not deploy (pm2 deploy); the processes are read, the recipes are not']);
    });

    it('gives no warning when the config is refused', () => {
      const warnings: string[] = [];
      expect(() => parseApps([{ script: 'a.js', out_file: 'x', uid: 1000 }], { warn: (m) => warnings.push(m) })).toThrow(InvalidProcessConfigError);
      expect(warnings).toEqual([]);
    });

    it.each<[string, unknown, string]>([
      ['uid', 1000, 'running a process as another user is not supported; run procguard as that user'],
      ['user', 'www', 'running a process as another user is not supported; run procguard as that user'],
      ['gid', 'www', 'running a process as another group is not supported; run procguard as that user'],
      ['shutdown_with_message', true, "stopping with process.send('shutdown') is not supported; the process gets its stop signal"],
      ['treekill', false, 'false is not supported: procguard always stops the whole process group'],
    ])('refuses %p: %p, naming it', (key, value, reason) => {
      expect(problemsOf({ [key]: value })).toEqual([`apps[0] "app": "${key}" ${reason}`]);
    });

    it.each<[string, unknown]>([
      ['watch', false],
      ['wait_ready', false],
      ['treekill', true],
      ['shutdown_with_message', false],
    ])('accepts %p: %p, which asks for what happens anyway', (key, value) => {
      expect(app({ [key]: value })).toEqual(app({}));
      expect(warningsOf({ [key]: value })).toEqual([]);
    });
  });
});
