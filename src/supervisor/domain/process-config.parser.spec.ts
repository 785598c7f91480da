import { expandInstances } from './process-spec.js';
import { InvalidProcessConfigError } from './supervisor.errors.js';
import { errorOf, parse, problemsOf, processWith, SOURCE } from './testing/process-config.testing.js';

describe('parseProcessConfig', () => {
  describe('when the config is { processes: [...] }', () => {
    it('returns one spec per process, in file order', () => {
      const specs = parse({ processes: [processWith({ name: 'web' }), processWith({ name: 'api' }), processWith({ name: 'db' })] });

      expect(specs.map((spec) => spec.name)).toEqual(['web', 'api', 'db']);
    });

    it('accepts an empty list: no processes', () => {
      expect(parse({ processes: [] })).toEqual([]);
    });
  });

  describe('when the config is a bare list', () => {
    it('reads it as the processes', () => {
      expect(parse([processWith({ name: 'web' })]).map((spec) => spec.name)).toEqual(['web']);
    });

    it('accepts an empty list', () => {
      expect(parse([])).toEqual([]);
    });

    it('names entries processes[i] in problems', () => {
      expect(problemsOf([processWith(), { command: 'x' }])).toEqual(['processes[1]: "name" is required (or PM2 "script", whose file name is the default name)']);
    });
  });

  describe('when the config is a PM2 ecosystem file', () => {
    const ecosystem = {
      apps: [
        {
          name: 'api',
          script: 'dist/server.js',
          args: '--port 8080 --verbose',
          cwd: 'services/api',
          instances: 2,
          exec_mode: 'cluster',
          watch: false,
          ignore_watch: ['node_modules'],
          merge_logs: true,
          log_date_format: 'YYYY-MM-DD HH:mm',
          out_file: './logs/out.log',
          error_file: './logs/err.log',
          max_restarts: 5,
          kill_timeout: 3000,
          min_uptime: 2000,
          exp_backoff_restart_delay: 200,
          autorestart: true,
          env: { NODE_ENV: 'production', WORKERS: 4, PORT: 8080 },
        },
        { name: 'worker', script: 'worker.py', interpreter: 'python3', autorestart: false, restart_delay: 1000 },
      ],
      deploy: { production: { user: 'node', host: 'example.com' } },
    };

    it('translates PM2 fields, with PM2 defaults, and gives each instance its own port', () => {
      const [api, worker] = parse(ecosystem);

      expect(api).toEqual({
        name: 'api',
        command: 'node',
        args: ['dist/server.js', '--port', '8080', '--verbose'],
        shell: false,
        cwd: '/srv/app/services/api',
        env: { NODE_ENV: 'production', WORKERS: '4', PORT: '8080' },
        instances: 2,
        port: 8080,
        autorestart: 'always',
        backoff: { initialDelayMs: 200, factor: 1.5, maxDelayMs: 15000, resetAfterMs: 2000 },
        maxRestarts: 5,
        restartWindowMs: null,
        stopExitCodes: [],
        autostart: true,
        instanceVar: 'NODE_APP_INSTANCE',
        incrementVar: null,
        stopSignal: 'SIGTERM',
        killTimeoutMs: 3000,
        logs: { out: '/srv/app/services/api/./logs/out.log', err: '/srv/app/services/api/./logs/err.log', combined: null, merge: true, dateFormat: 'YYYY-MM-DD HH:mm' },
        readiness: { target: { kind: 'none' }, intervalMs: 1000, timeoutMs: 1000, failureThreshold: 3, startupGraceMs: 5000 },
        waitReady: null,
        maxMemoryBytes: null,
        cronRestart: null,
        watch: null,
        dependsOn: [],
      });
      expect(worker).toMatchObject({
        command: 'python3',
        args: ['worker.py'],
        autorestart: 'never',
        backoff: { initialDelayMs: 1000, factor: 1, maxDelayMs: 1000 },
      });
    });

    it('names entries apps[i] in problems', () => {
      expect(problemsOf({ apps: [processWith(), processWith({ name: 'b', instances: 0.5 })] })).toEqual([
        'apps[1] "b": "instances" must be a whole number from 1 to 100, got 0.5',
      ]);
    });
  });

  describe('when the top level is not a process list', () => {
    it.each<[string, unknown, string]>([
      ['nothing (an empty file)', null, 'the config is empty: list the processes under "processes" ("processes: []" for none)'],
      ['a string', 'web', 'the config must be a list of processes or an object with a "processes" list, got "web"'],
      ['a number', 3, 'the config must be a list of processes or an object with a "processes" list, got 3'],
      ['an object without a list', {}, 'the config has no "processes" list (or PM2 "apps"); write "processes: []" for none'],
      ['processes that is not a list', { processes: { web: {} } }, '"processes" must be a list of processes, got an object'],
      ['processes: null', { processes: null }, '"processes" must be a list of processes, got null'],
      ['apps that is not a list', { apps: 'web' }, '"apps" must be a list of processes, got "web"'],
      ['both processes and apps', { processes: [], apps: [] }, 'the config must give "processes" or PM2 "apps", not both'],
    ])('rejects %s', (_, raw, problem) => {
      expect(problemsOf(raw)).toEqual([problem]);
    });

    it('rejects an unknown top-level field, suggesting the close one', () => {
      expect(problemsOf({ proceses: [] })).toEqual([
        'the config: unknown field "proceses"; did you mean "processes"?',
        'the config has no "processes" list (or PM2 "apps"); write "processes: []" for none',
      ]);
    });

    it('rejects an unknown top-level field next to a valid list', () => {
      expect(problemsOf({ processes: [], version: 2 })).toEqual([
        'the config: unknown field "version" (check the spelling, or remove it)',
      ]);
    });

    it('rejects an entry that is not an object', () => {
      expect(problemsOf({ processes: [processWith(), 'api', null] })).toEqual([
        'processes[1]: must be an object with at least "name" and "command", got "api"',
        'processes[2]: must be an object with at least "name" and "command", got null',
      ]);
    });
  });

  describe('when the config is invalid', () => {
    it('throws InvalidProcessConfigError naming the source, with a stable code', () => {
      const error = errorOf({ processes: [{ name: 'web' }] });

      expect(error).toBeInstanceOf(InvalidProcessConfigError);
      expect(error.code).toBe('INVALID_PROCESS_CONFIG');
      expect(error.source).toBe(SOURCE);
      expect(error.message).toBe(
        `Invalid process config ${SOURCE}:\n  - processes[0] "web": "command" is required (or PM2 "script", run with node)`,
      );
    });

    it('reports every problem of every process at once, in file order', () => {
      const problems = problemsOf({
        processes: [
          processWith({ name: 'web', instances: 0.5, port: 70000 }),
          processWith({ name: 'ok' }),
          { name: 'api', stopSignal: 'TERM', readiness: { tcp: true } },
        ],
      });

      expect(problems).toEqual([
        'processes[0] "web": "instances" must be a whole number from 1 to 100, got 0.5',
        'processes[0] "web": "port" must be a whole number from 1 to 65535, got 70000',
        'processes[2] "api": "command" is required (or PM2 "script", run with node)',
        'processes[2] "api": "stopSignal" must be one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL, got "TERM"',
        'processes[2] "api": "readiness.tcp" probes the process\'s own port, but the process declares no "port"; add "port" or give the port to probe',
      ]);
    });
  });

  describe('when names collide', () => {
    it('rejects a name used twice, pointing at the first use', () => {
      expect(problemsOf([processWith({ name: 'web' }), processWith({ name: 'api' }), processWith({ name: 'web' })])).toEqual([
        'processes[2] "web": "name" "web" is already used by processes[0]; names must be unique',
      ]);
    });

    it('reports a duplicate once even when both have many instances', () => {
      expect(problemsOf([processWith({ name: 'web', instances: 3 }), processWith({ name: 'web', instances: 3 })])).toHaveLength(1);
    });

    it('rejects a process named like an earlier process\'s instance', () => {
      expect(problemsOf([processWith({ name: 'web', instances: 2 }), processWith({ name: 'web-2' })])).toEqual([
        'processes[1] "web-2": "name" clashes with processes[0] "web": "web-2" would name both this process and instance 2 of that one ' +
          '(a process with N instances runs them as name-1..name-N); rename one of them',
      ]);
    });

    it('rejects instances named like an earlier process', () => {
      expect(problemsOf([processWith({ name: 'web-1' }), processWith({ name: 'web', instances: 3 })])).toEqual([
        'processes[1] "web": "name" clashes with processes[0] "web-1": "web-1" would name both instance 1 of this process and that process ' +
          '(a process with N instances runs them as name-1..name-N); rename one of them',
      ]);
    });

    it('allows web-1 next to a single-instance web (which runs as plain "web")', () => {
      const specs = parse([processWith({ name: 'web' }), processWith({ name: 'web-1' })]);

      expect(specs.flatMap((spec) => expandInstances(spec).map((instance) => instance.name))).toEqual(['web', 'web-1']);
    });

    it('leaves entries without a valid name out of the check', () => {
      expect(problemsOf([processWith({ name: 'bad name' }), processWith({ name: 'bad name' })])).toHaveLength(2);
    });
  });

  describe('when there are too many instances', () => {
    it('accepts 1000 instances in total', () => {
      const processes = Array.from({ length: 10 }, (_, i) => processWith({ name: `p${i}`, instances: 100 }));

      expect(parse(processes)).toHaveLength(10);
    });

    it('rejects more than 1000 in total', () => {
      const processes = Array.from({ length: 11 }, (_, i) => processWith({ name: `p${i}`, instances: 100 }));

      expect(problemsOf(processes)).toEqual(['the processes declare 1100 instances in total; at most 1000 are allowed']);
    });

    it('rejects a list longer than 1000 without reading each entry', () => {
      const processes = Array.from({ length: 1001 }, () => 'not even a process');

      expect(problemsOf({ apps: processes })).toEqual(['"apps" lists 1001 processes; at most 1000 instances in total are allowed']);
    });
  });
});
