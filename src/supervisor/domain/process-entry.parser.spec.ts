import { BASE_DIR, problemsWith, specWith } from './testing/process-config.testing.js';

const RULE = '1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit, without ".."';
const CHARS = 'may hold only letters, digits, "_", "." or "-", and must start with a letter or digit';

describe('parseProcessEntry (through parseProcessConfig)', () => {
  describe('when only name and command are given', () => {
    it('fills in every default', () => {
      expect(specWith()).toEqual({
        name: 'web',
        command: 'node',
        args: [],
        shell: false,
        cwd: BASE_DIR,
        env: {},
        instances: 1,
        port: null,
        autorestart: 'always',
        backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 30000, resetAfterMs: 10000 },
        maxRestarts: 10,
        restartWindowMs: 60000,
        stopExitCodes: [],
        autostart: true,
        instanceVar: 'NODE_APP_INSTANCE',
        incrementVar: null,
        stopSignal: 'SIGTERM',
        killTimeoutMs: 3000,
        readiness: { target: { kind: 'none' }, intervalMs: 1000, timeoutMs: 1000, failureThreshold: 3, startupGraceMs: 5000 },
        waitReady: null,
        maxMemoryBytes: null,
        cronRestart: null,
        watch: null,
        dependsOn: [],
      });
    });

    it('returns a frozen spec', () => {
      const spec = specWith({ args: ['a'], env: { A: '1' } });

      expect([spec, spec.args, spec.env, spec.backoff, spec.readiness, spec.readiness.target].every(Object.isFrozen)).toBe(true);
    });

    it('treats a field set to null as absent', () => {
      expect(specWith({ port: null, instances: null, env: null, readiness: null })).toEqual(specWith());
    });
  });

  describe('when the name is wrong', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['missing', { name: undefined }, 'processes[0]: "name" is required (or PM2 "script", whose file name is the default name)'],
      ['not a string', { name: 7 }, `processes[0]: "name" must be a string, got 7 (a name is ${RULE})`],
      ['with a space', { name: 'my app' }, `processes[0] "my app": "name" ${CHARS}, got "my app" (a name is ${RULE})`],
      ['starting with a dash', { name: '-web' }, `processes[0] "-web": "name" ${CHARS}, got "-web" (a name is ${RULE})`],
      ['with ".."', { name: 'a..b' }, `processes[0] "a..b": "name" must not contain "..", got "a..b" (a name is ${RULE})`],
      ['of 65 characters', { name: 'x'.repeat(65) }, `processes[0] "${'x'.repeat(64)}…": "name" is 65 characters long; at most 64 are allowed, got "${'x'.repeat(64)}…" (a name is ${RULE})`],
    ])('reports a name %s', (_, fields, problem) => {
      expect(problemsWith(fields)).toEqual([problem]);
    });

    it('accepts 64 characters of letters, digits, "_", "." and "-", and no more', () => {
      expect(specWith({ name: `A1_.-${'x'.repeat(59)}` }).name).toHaveLength(64);
      expect(problemsWith({ name: 'x'.repeat(65) })).toHaveLength(1);
    });
  });

  describe('when the instances would get names over 64 characters', () => {
    it('names the field, the longest instance name and the room left', () => {
      const name = 'n'.repeat(63);

      expect(problemsWith({ name, instances: 10 })).toEqual([
        `processes[0] "${name}": "name" "${name}" with 10 instances runs as "${name}-1", which is 65 characters long; ` +
          'at most 64 are allowed; shorten "name" to at most 61 characters or lower "instances"',
      ]);
    });

    it('accepts the longest name whose last instance still fits', () => {
      const specs = [specWith({ name: 'n'.repeat(61), instances: 10 }), specWith({ name: 'n'.repeat(62), instances: 9 })];

      expect(specs.map((spec) => spec.name.length)).toEqual([61, 62]);
    });

    it('checks a single instance by its bare name only', () => {
      expect(specWith({ name: 'n'.repeat(64), instances: 1 }).name).toHaveLength(64);
    });
  });

  describe('when a value holds a NUL byte', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['command', { command: 'no\0de' }, '"command"'],
      ['cwd', { cwd: '/srv\0/app' }, '"cwd"'],
      ['an args entry', { args: ['ok', 'a\0b'] }, '"args[1]"'],
      ['args as one string', { args: '--a \0' }, '"args"'],
      ['an env value', { env: { A: 'x\0y' } }, '"env.A"'],
      ['PM2 script', { command: undefined, script: 'app\0.js' }, '"script"'],
    ])('rejects it in %s, naming the field', (_, fields, field) => {
      expect(problemsWith(fields)).toEqual([`processes[0] "web": ${field} must not contain a NUL byte (\\u0000): the system cannot pass one to a process`]);
    });

    it('rejects it in an env name', () => {
      expect(problemsWith({ env: { 'A\0B': '1' } })).toEqual([
        'processes[0] "web": "env" has the variable name "A\\u0000B": names are letters, digits and "_", not starting with a digit',
      ]);
    });
  });

  describe('when the command is given', () => {
    it('splits a string of args on whitespace, as PM2 does', () => {
      expect(specWith({ args: '  --port 80\t-v ' }).args).toEqual(['--port', '80', '-v']);
    });

    it('turns numbers in an args list into strings', () => {
      expect(specWith({ args: ['--port', 8080, 1.5] }).args).toEqual(['--port', '8080', '1.5']);
    });

    it('keeps shell when asked', () => {
      expect(specWith({ command: 'echo $HOME', shell: true })).toMatchObject({ command: 'echo $HOME', shell: true });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['missing', { command: undefined }, '"command" is required (or PM2 "script", run with node)'],
      ['empty', { command: '  ' }, '"command" must not be empty'],
      ['not a string', { command: ['node'] }, '"command" must be a string, got a list'],
      ['args not a list', { args: 5 }, '"args" must be a list of strings, or one string split on spaces, got 5'],
      ['an arg that is an object', { args: ['a', { b: 1 }] }, '"args[1]" must be a string or a number, got an object'],
      ['shell not a boolean', { shell: 'yes' }, '"shell" must be true or false, got "yes"'],
      ['both command and script', { script: 'app.js' }, 'give "command" or PM2 "script", not both ("script: app.js" means command "node" with args ["app.js"])'],
      ['interpreter with command', { interpreter: 'python3' }, '"interpreter" applies to PM2 "script" only; with "command", name the program in "command"'],
    ])('reports a command %s', (_, fields, problem) => {
      expect(problemsWith(fields)).toEqual([`processes[0] "web": ${problem}`]);
    });
  });

  describe('when PM2 "script" is given instead of "command"', () => {
    it('runs it with node, before the args', () => {
      expect(specWith({ command: undefined, script: 'app.js', args: ['-v'] })).toMatchObject({ command: 'node', args: ['app.js', '-v'] });
    });

    it('runs it with the interpreter when one is given', () => {
      expect(specWith({ command: undefined, script: 'job.py', interpreter: 'python3' })).toMatchObject({ command: 'python3', args: ['job.py'] });
    });

    it('runs it directly with interpreter "none", as PM2 does', () => {
      expect(specWith({ command: undefined, script: './bin/server', interpreter: 'none', args: '-p 1' })).toMatchObject({
        command: './bin/server',
        args: ['-p', '1'],
      });
    });
  });

  describe('when cwd is given', () => {
    it('resolves a relative cwd against the base directory', () => {
      expect(specWith({ cwd: 'services/web' }).cwd).toBe(`${BASE_DIR}/services/web`);
    });

    it('keeps an absolute cwd', () => {
      expect(specWith({ cwd: '/opt/web' }).cwd).toBe('/opt/web');
    });

    it('rejects one that is not a string', () => {
      expect(problemsWith({ cwd: 1 })).toEqual(['processes[0] "web": "cwd" must be a string, got 1']);
    });
  });

  describe('when env is given', () => {
    it('turns numbers and booleans into strings', () => {
      expect(specWith({ env: { NODE_ENV: 'production', WORKERS: 4, DEBUG: false, _X1: '' } }).env).toEqual({
        NODE_ENV: 'production',
        WORKERS: '4',
        DEBUG: 'false',
        _X1: '',
      });
    });

    it('reports every bad name and value', () => {
      expect(problemsWith({ env: { '1X': 'a', 'A-B': 'b', OK: 'c', LIST: [1], NOTHING: null } })).toEqual([
        'processes[0] "web": "env" has the variable name "1X": names are letters, digits and "_", not starting with a digit',
        'processes[0] "web": "env" has the variable name "A-B": names are letters, digits and "_", not starting with a digit',
        'processes[0] "web": "env.LIST" must be a string, a number or a boolean, got a list',
        'processes[0] "web": "env.NOTHING" must be a string, a number or a boolean, got null',
      ]);
    });

    it('rejects an env that is not an object', () => {
      expect(problemsWith({ env: ['A=1'] })).toEqual(['processes[0] "web": "env" must be an object of NAME: value, got a list']);
    });
  });

  describe('when instances and port are given', () => {
    it('keeps them', () => {
      expect(specWith({ instances: 4, port: 3000 })).toMatchObject({ instances: 4, port: 3000 });
    });

    it('accepts a port range that ends exactly at 65535', () => {
      expect(specWith({ instances: 3, port: 65533 }).port).toBe(65533);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['instances 101', { instances: 101 }, '"instances" must be a whole number from 1 to 100, got 101'],
      ['instances 1.5', { instances: 1.5 }, '"instances" must be a whole number from 1 to 100, got 1.5'],
      ['instances "2"', { instances: '2' }, '"instances" must be a whole number from 1 to 100, got "2"'],
      ['instances -100', { instances: -100 }, '"instances" must be a whole number from 1 to 100, got -100'],
      ['instances "max2"', { instances: 'max2' }, '"instances" must be a whole number from 1 to 100, got "max2"'],
      ['port 0', { port: 0 }, '"port" must be a whole number from 1 to 65535, got 0'],
      ['port "8080"', { port: '8080' }, '"port" must be a whole number from 1 to 65535, got "8080"'],
      ['ports past 65535', { port: 65534, instances: 3 }, '"port" 65534 with 3 instances would use ports up to 65536; the last must be at most 65535'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsWith(fields)).toEqual([`processes[0] "web": ${problem}`]);
    });
  });

  describe('when restart and stop settings are given', () => {
    it.each<[unknown, string]>([
      [true, 'always'],
      [false, 'never'],
      ['on-failure', 'on-failure'],
      ['never', 'never'],
    ])('maps autorestart %p to %p', (autorestart, policy) => {
      expect(specWith({ autorestart }).autorestart).toBe(policy);
    });

    it('keeps the camelCase names', () => {
      expect(specWith({ maxRestarts: 0, restartWindowMs: 1000, stopSignal: 'SIGINT', killTimeoutMs: 0 })).toMatchObject({
        maxRestarts: 0,
        restartWindowMs: 1000,
        stopSignal: 'SIGINT',
        killTimeoutMs: 0,
      });
    });

    it('accepts the PM2 names max_restarts and kill_timeout', () => {
      expect(specWith({ max_restarts: 3, kill_timeout: 1600 })).toMatchObject({ maxRestarts: 3, killTimeoutMs: 1600 });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['autorestart "yes"', { autorestart: 'yes' }, '"autorestart" must be "always", "on-failure" or "never" (or true/false), got "yes"'],
      ['maxRestarts -1', { maxRestarts: -1 }, '"maxRestarts" must be a whole number of 0 or more, got -1'],
      ['max_restarts 1.5', { max_restarts: 1.5 }, '"max_restarts" must be a whole number of 0 or more, got 1.5'],
      ['restartWindowMs 999', { restartWindowMs: 999 }, '"restartWindowMs" must be a whole number of milliseconds from 1000 to 86400000 (24 h), got 999'],
      ['stopSignal "TERM"', { stopSignal: 'TERM' }, '"stopSignal" must be one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL, got "TERM"'],
      ['killTimeoutMs 600001', { killTimeoutMs: 600001 }, '"killTimeoutMs" must be a whole number of milliseconds from 0 to 600000, got 600001'],
      ['kill_timeout "5s"', { kill_timeout: '5s' }, '"kill_timeout" must be a whole number of milliseconds from 0 to 600000, got "5s"'],
      ['both maxRestarts and max_restarts', { maxRestarts: 1, max_restarts: 1 }, 'give "maxRestarts" or its PM2 name "max_restarts", not both'],
      ['both killTimeoutMs and kill_timeout', { killTimeoutMs: 1, kill_timeout: 1 }, 'give "killTimeoutMs" or its PM2 name "kill_timeout", not both'],
    ])('reports %s', (_, fields, problem) => {
      expect(problemsWith(fields)).toEqual([`processes[0] "web": ${problem}`]);
    });
  });

  describe('when a field is unknown', () => {
    it.each<[string, string]>([
      ['instnces', 'instances'],
      ['Name', 'name'],
      ['stop_signal', 'stopSignal'],
      ['max_restart', 'max_restarts'],
      ['maxRestart', 'maxRestarts'],
      ['killTimeout', 'killTimeoutMs'],
    ])('suggests the close field for %p', (typo, field) => {
      expect(problemsWith({ [typo]: 1 })).toEqual([`processes[0] "web": unknown field "${typo}"; did you mean "${field}"?`]);
    });

    it('says only that it is unknown when nothing is close', () => {
      expect(problemsWith({ replicas: 2 })).toEqual(['processes[0] "web": unknown field "replicas" (check the spelling, or remove it)']);
    });

    it('uses env alone when no PROCESSES_ENV selects a PM2 env_<name> block', () => {
      expect(specWith({ env_production: { NODE_ENV: 'production' }, env_staging: {} }).env).toEqual({});
      expect(problemsWith({ env_: {} })[0]).toContain('unknown field');
    });
  });
});
