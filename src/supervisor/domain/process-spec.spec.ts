import { expandInstances, sameSpec, type ProcessSpec } from './process-spec.js';

function spec(fields: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    name: 'web',
    command: 'node',
    args: ['server.js', '--quiet'],
    shell: false,
    cwd: '/srv/app',
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
    instances: 1,
    port: null,
    autorestart: 'always',
    backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 5000, resetAfterMs: 30_000 },
    maxRestarts: 5,
    restartWindowMs: 60_000,
    stopExitCodes: [],
    autostart: true,
    instanceVar: 'NODE_APP_INSTANCE',
    incrementVar: null,
    stopSignal: 'SIGTERM',
    killTimeoutMs: 5000,
    readiness: { target: { kind: 'none' }, intervalMs: 1000, timeoutMs: 500, failureThreshold: 3, startupGraceMs: 2000 },
    waitReady: null,
    maxMemoryBytes: null,
    cronRestart: null,
    watch: null,
    dependsOn: [],
    ...fields,
  };
}

/** The same value with the keys of every object, nested ones too, in reverse order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .reverse()
        .map((k) => [k, reversedKeys((value as Record<string, unknown>)[k])]),
    ) as T;
  }
  return value;
}

describe('expandInstances', () => {
  describe('when the spec has one instance', () => {
    it('keeps the bare name, index 1 and the instance env', () => {
      // Act
      const instances = expandInstances(spec({ port: 3000 }));

      // Assert
      expect(instances).toHaveLength(1);
      const [only] = instances;
      expect(only.name).toBe('web');
      expect(only.specName).toBe('web');
      expect(only.index).toBe(1);
      expect(only.port).toBe(3000);
      expect(only.env).toEqual({
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        NODE_APP_INSTANCE: '0',
        INSTANCE_INDEX: '1',
        PROCGUARD_PROCESS_NAME: 'web',
        PORT: '3000',
      });
    });
  });

  describe('when the spec has N instances', () => {
    it('names them name-1..name-N with their index and the port offset', () => {
      // Arrange
      const s = spec({ instances: 3, port: 8080 });

      // Act
      const instances = expandInstances(s);

      // Assert
      expect(instances.map((i) => [i.name, i.specName, i.index, i.port])).toEqual([
        ['web-1', 'web', 1, 8080],
        ['web-2', 'web', 2, 8081],
        ['web-3', 'web', 3, 8082],
      ]);
      expect(instances.map((i) => i.env)).toEqual([1, 2, 3].map((n) => ({
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        NODE_APP_INSTANCE: String(n - 1),
        INSTANCE_INDEX: String(n),
        PROCGUARD_PROCESS_NAME: `web-${n}`,
        PORT: String(8079 + n),
      })));
      expect(instances.every((i) => i.spec === s)).toBe(true);
    });
  });

  describe('when the spec has no port', () => {
    it('sets no PORT', () => {
      // Act
      const instances = expandInstances(spec({ instances: 2, port: null }));

      // Assert
      expect(instances.map((i) => i.port)).toEqual([null, null]);
      expect(instances.map((i) => 'PORT' in i.env)).toEqual([false, false]);
    });
  });

  describe('when the spec env sets the variables the supervisor sets', () => {
    it('is overridden by the instance values', () => {
      // Act
      const [instance] = expandInstances(
        spec({ port: 4000, env: { INSTANCE_INDEX: '9', NODE_APP_INSTANCE: '7', PROCGUARD_PROCESS_NAME: 'other', PORT: '1' } }),
      );

      // Assert
      expect(instance.env).toEqual({ NODE_APP_INSTANCE: '0', INSTANCE_INDEX: '1', PROCGUARD_PROCESS_NAME: 'web', PORT: '4000' });
    });
  });

  describe('when expanding', () => {
    it('leaves the spec env untouched', () => {
      // Arrange
      const s = spec({ port: 4000 });

      // Act
      expandInstances(s);

      // Assert
      expect(s.env).toEqual({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    });
  });
});

describe('sameSpec', () => {
  describe('when only the key order differs', () => {
    it('is true', () => {
      // Arrange
      const a = spec({ env: { A: '1', B: '2' } });
      const b = reversedKeys(a);

      // Act
      const same = sameSpec(a, b);

      // Assert
      expect(Object.keys(b)[0]).toBe('dependsOn');
      expect(Object.keys(b.env)).toEqual(['B', 'A']);
      expect(same).toBe(true);
    });
  });

  describe('when the specs are equal copies', () => {
    it('is true, nested objects included', () => {
      // Arrange
      const readiness = { target: { kind: 'http', url: 'http://127.0.0.1:{port}/ready' }, intervalMs: 1, timeoutMs: 1, failureThreshold: 1, startupGraceMs: 0 } as const;

      // Act
      const same = sameSpec(spec({ readiness: { ...readiness } }), spec({ readiness: { ...readiness, target: { ...readiness.target } } }));

      // Assert
      expect(same).toBe(true);
    });
  });

  describe('when any field changes', () => {
    const base = spec();
    const changes: [string, Partial<ProcessSpec>][] = [
      ['name', { name: 'api' }],
      ['command', { command: 'bun' }],
      ['args (a value)', { args: ['server.js', '--verbose'] }],
      ['args (the order)', { args: ['--quiet', 'server.js'] }],
      ['args (one more)', { args: ['server.js', '--quiet', '-x'] }],
      ['shell', { shell: true }],
      ['cwd', { cwd: '/srv/other' }],
      ['env (a value)', { env: { NODE_ENV: 'development', LOG_LEVEL: 'info' } }],
      ['env (a new variable)', { env: { NODE_ENV: 'production', LOG_LEVEL: 'info', EXTRA: '1' } }],
      ['env (a variable removed)', { env: { NODE_ENV: 'production' } }],
      ['instances', { instances: 2 }],
      ['port', { port: 3000 }],
      ['autorestart', { autorestart: 'on-failure' }],
      ['backoff.initialDelayMs', { backoff: { ...base.backoff, initialDelayMs: 200 } }],
      ['backoff.factor', { backoff: { ...base.backoff, factor: 3 } }],
      ['backoff.maxDelayMs', { backoff: { ...base.backoff, maxDelayMs: 6000 } }],
      ['backoff.resetAfterMs', { backoff: { ...base.backoff, resetAfterMs: 1000 } }],
      ['maxRestarts', { maxRestarts: 6 }],
      ['restartWindowMs', { restartWindowMs: 1000 }],
      ['restartWindowMs (none)', { restartWindowMs: null }],
      ['stopExitCodes', { stopExitCodes: [0] }],
      ['autostart', { autostart: false }],
      ['instanceVar', { instanceVar: 'WORKER' }],
      ['incrementVar', { incrementVar: 'METRICS_PORT' }],
      ['stopSignal', { stopSignal: 'SIGINT' }],
      ['killTimeoutMs', { killTimeoutMs: 100 }],
      ['readiness.target', { readiness: { ...base.readiness, target: { kind: 'tcp', host: '127.0.0.1', port: null } } }],
      ['readiness.intervalMs', { readiness: { ...base.readiness, intervalMs: 10 } }],
      ['readiness.timeoutMs', { readiness: { ...base.readiness, timeoutMs: 10 } }],
      ['readiness.failureThreshold', { readiness: { ...base.readiness, failureThreshold: 1 } }],
      ['readiness.startupGraceMs', { readiness: { ...base.readiness, startupGraceMs: 0 } }],
      ['waitReady', { waitReady: { timeoutMs: 3000 } }],
      ['maxMemoryBytes', { maxMemoryBytes: 1024 }],
      ['dependsOn', { dependsOn: ['db'] }],
      ['cronRestart', { cronRestart: '0 3 * * *' }],
      ['watch', { watch: { paths: ['/srv'], ignore: [], delayMs: 1000 } }],
    ];

    it('lists a change for every top-level field', () => {
      const changed = new Set(changes.map(([label]) => label.split(/[ .]/)[0]));
      expect([...changed].sort()).toEqual(Object.keys(base).sort());
    });

    it.each(changes)('is false when %s changes', (_label, fields) => {
      expect(sameSpec(base, spec(fields))).toBe(false);
      expect(sameSpec(spec(fields), base)).toBe(false);
    });

    it('is false when only a field nested in the probe target changes', () => {
      // Arrange
      const withTarget = (target: ProcessSpec['readiness']['target']) => spec({ readiness: { ...base.readiness, target } });

      // Act
      const portChanged = sameSpec(withTarget({ kind: 'tcp', host: '127.0.0.1', port: null }), withTarget({ kind: 'tcp', host: '127.0.0.1', port: 1 }));
      const urlChanged = sameSpec(withTarget({ kind: 'http', url: 'http://a/ready' }), withTarget({ kind: 'http', url: 'http://a/live' }));

      // Assert
      expect(portChanged).toBe(false);
      expect(urlChanged).toBe(false);
    });
  });
});
