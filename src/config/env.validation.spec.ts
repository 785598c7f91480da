import { resolve } from 'node:path';
import { EnvValidationError, validateEnv } from './env.validation.js';

const CWD = '/srv/procguard';

function problemsOf(raw: Record<string, unknown>): readonly string[] {
  try {
    validateEnv(raw, CWD);
  } catch (error) {
    if (error instanceof EnvValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected validateEnv to reject the environment');
}

describe('validateEnv', () => {
  describe('when nothing is set', () => {
    it('uses the defaults, with the data files under ./data of the working directory', () => {
      // Act
      const env = validateEnv({}, CWD);

      // Assert
      expect(env).toEqual({
        PORT: 3000,
        HOST: '127.0.0.1',
        DATA_DIR: '/srv/procguard/data',
        PID_FILE_PATH: '/srv/procguard/data/backend.pid',
        DATABASE_PATH: '/srv/procguard/data/app.db',
        SHUTDOWN_TIMEOUT_MS: 5000,
        PROCESSES_CONFIG: '/srv/procguard/config/processes.yaml',
        PROCESSES_CONFIG_EXPLICIT: false,
        API_TOKEN: null,
        READY_REQUIRES: [],
        PROCESS_LOG_MAX_BYTES: 5 * 1024 * 1024,
        PROCESS_LOG_FILES: 3,
        EVENT_RETENTION: 1000,
        EVENTS_FILE: '/srv/procguard/data/events.jsonl',
        RECONCILE_INTERVAL_MS: 5000,
        SSE_HEARTBEAT_MS: 15000,
        SSE_MAX_STREAMS: 32,
        SSE_SLOW_CLIENT_TIMEOUT_MS: 30000,
        ALLOWED_HOSTS: [],
        LOCK_BACKEND: 'file',
        LOCK_DATABASE_URL: null,
        LOCK_KEY: 'procguard',
        LOCK_STANDBY: false,
        LOCK_HEARTBEAT_MS: 500,
        LOG_FORMAT: null,
        LOG_LEVEL: 'log',
      });
    });

    describe('when the supervisor variables are set', () => {
      it('reads the config path, token and required processes', () => {
        const env = validateEnv(
          { PROCESSES_CONFIG: 'procs.json', API_TOKEN: 'x'.repeat(16), READY_REQUIRES: 'web-1, ticker-2' },
          CWD,
        );

        expect(env).toMatchObject({
          PROCESSES_CONFIG: '/srv/procguard/procs.json',
          PROCESSES_CONFIG_EXPLICIT: true,
          API_TOKEN: 'x'.repeat(16),
          READY_REQUIRES: ['web-1', 'ticker-2'],
        });
      });

      it('reads PROCESSES_ENV, the <name> of PM2 env_<name> blocks, and leaves it unset when blank', () => {
        expect(validateEnv({ PROCESSES_ENV: ' production ' }, CWD).PROCESSES_ENV).toBe('production');
        expect(validateEnv({ PROCESSES_ENV: 'stage_2' }, CWD).PROCESSES_ENV).toBe('stage_2');
        expect(validateEnv({ PROCESSES_ENV: 'pre-prod.eu' }, CWD).PROCESSES_ENV).toBe('pre-prod.eu');
        expect(validateEnv({ PROCESSES_ENV: '  ' }, CWD).PROCESSES_ENV).toBeUndefined();
        expect(validateEnv({}, CWD).PROCESSES_ENV).toBeUndefined();
      });

      it.each(['prod/1', 'prod;rm', 'x'.repeat(65), 'env production'])('rejects PROCESSES_ENV %p, naming it', (value) => {
        expect(() => validateEnv({ PROCESSES_ENV: value }, CWD)).toThrow(
          expect.objectContaining({
            problems: [`PROCESSES_ENV must be the name of an env_<name> block (letters, digits, "_", "." or "-", at most 64), got ${JSON.stringify(value.trim())}`],
          }),
        );
      });

      it('rejects a short token without echoing it, and a bad process name', () => {
        expect(() => validateEnv({ API_TOKEN: 'short-secret', READY_REQUIRES: 'ok,../bad' }, CWD)).toThrow(
          expect.objectContaining({
            problems: [
              'API_TOKEN must be at least 16 characters with no spaces',
              'READY_REQUIRES entry "../bad" is not a valid process name: it may hold only letters, digits, "_", "." or "-", and must start with a letter or digit',
            ],
          }),
        );
        expect(() => validateEnv({ API_TOKEN: 'short-secret' }, CWD)).toThrow(expect.not.objectContaining({ message: expect.stringContaining('short-secret') }));
      });
    });

    it('treats empty strings as unset', () => {
      const env = validateEnv({ PORT: '', HOST: '', DATA_DIR: '', PID_FILE_PATH: '', DATABASE_PATH: '', SHUTDOWN_TIMEOUT_MS: '' }, CWD);

      expect(env).toEqual(validateEnv({}, CWD));
    });

    it('resolves against the process working directory when no cwd is given', () => {
      const env = validateEnv({});

      expect(env.DATA_DIR).toBe(resolve(process.cwd(), 'data'));
    });

    it('ignores unrelated variables', () => {
      expect(validateEnv({ PATH: '/usr/bin', NODE_ENV: 'production' }, CWD).PORT).toBe(3000);
    });
  });

  describe('when values are given', () => {
    it('reads numbers and the host', () => {
      // Act
      const env = validateEnv({ PORT: '8080', HOST: '0.0.0.0', SHUTDOWN_TIMEOUT_MS: '12000' }, CWD);

      // Assert
      expect(env.PORT).toBe(8080);
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.SHUTDOWN_TIMEOUT_MS).toBe(12000);
    });

    it.each(['127.0.0.1', '::1', '::', 'localhost', 'api.internal.example.com', 'box-1'])('accepts HOST=%s', (host) => {
      expect(validateEnv({ HOST: host }, CWD).HOST).toBe(host);
    });

    it.each([
      ['PORT', '1', 1],
      ['PORT', '65535', 65535],
      ['SHUTDOWN_TIMEOUT_MS', '100', 100],
      ['SHUTDOWN_TIMEOUT_MS', '600000', 600000],
    ] as const)('accepts %s=%s at the edge of its range', (name, value, expected) => {
      expect(validateEnv({ [name]: value }, CWD)[name]).toBe(expected);
    });
  });

  describe('when paths are relative', () => {
    it('resolves DATA_DIR against the working directory and keeps the data files under it', () => {
      // Act
      const env = validateEnv({ DATA_DIR: 'var/state' }, CWD);

      // Assert
      expect(env.DATA_DIR).toBe('/srv/procguard/var/state');
      expect(env.PID_FILE_PATH).toBe('/srv/procguard/var/state/backend.pid');
      expect(env.DATABASE_PATH).toBe('/srv/procguard/var/state/app.db');
    });

    it('normalises parent references', () => {
      expect(validateEnv({ DATA_DIR: '../shared/./data' }, CWD).DATA_DIR).toBe('/srv/shared/data');
    });

    it('resolves PID_FILE_PATH and DATABASE_PATH against the working directory, not DATA_DIR', () => {
      const env = validateEnv({ DATA_DIR: '/var/lib/procguard', PID_FILE_PATH: 'run/pg.pid', DATABASE_PATH: 'db/main.db' }, CWD);

      expect(env.PID_FILE_PATH).toBe('/srv/procguard/run/pg.pid');
      expect(env.DATABASE_PATH).toBe('/srv/procguard/db/main.db');
    });
  });

  describe('when paths are absolute', () => {
    it('keeps them and puts the defaults under the absolute DATA_DIR', () => {
      const env = validateEnv({ DATA_DIR: '/var/lib/procguard', DATABASE_PATH: '/mnt/fast/app.db' }, CWD);

      expect(env.DATA_DIR).toBe('/var/lib/procguard');
      expect(env.PID_FILE_PATH).toBe('/var/lib/procguard/backend.pid');
      expect(env.DATABASE_PATH).toBe('/mnt/fast/app.db');
    });
  });

  describe('when a value is bad', () => {
    it.each([
      ['PORT', 'abc', 'must be a whole number from 1 to 65535'],
      ['PORT', '0', 'must be a whole number from 1 to 65535'],
      ['PORT', '65536', 'must be a whole number from 1 to 65535'],
      ['PORT', '80.5', 'must be a whole number from 1 to 65535'],
      ['PORT', '-1', 'must be a whole number from 1 to 65535'],
      ['PORT', '1e3', 'must be a whole number from 1 to 65535'],
      ['PORT', ' ', 'must be a whole number from 1 to 65535'],
      ['SHUTDOWN_TIMEOUT_MS', '99', 'must be a whole number from 100 to 600000'],
      ['SHUTDOWN_TIMEOUT_MS', '600001', 'must be a whole number from 100 to 600000'],
      ['SHUTDOWN_TIMEOUT_MS', '5s', 'must be a whole number from 100 to 600000'],
      ['RECONCILE_INTERVAL_MS', '9', 'must be a whole number from 10 to 3600000'],
      ['HOST', 'bad host', 'must be an IP address or a host name'],
      ['HOST', '-leading.dash', 'must be an IP address or a host name'],
      ['HOST', 'under_score', 'must be an IP address or a host name'],
      ['HOST', 'http://localhost', 'must be an IP address or a host name'],
      ['SSE_MAX_STREAMS', '0', 'must be a whole number from 1 to 10000'],
      ['SSE_SLOW_CLIENT_TIMEOUT_MS', '50', 'must be a whole number from 100 to 600000'],
      ['LOG_FORMAT', 'text', 'must be one of pretty, json'],
      ['LOG_LEVEL', 'trace', 'must be one of error, warn, log, info, debug, verbose'],
      ['LOG_LEVEL', 'WARN', 'must be one of error, warn, log, info, debug, verbose'],
    ])('rejects %s=%p, naming the variable and the reason', (name, value, reason) => {
      // Act
      const problems = problemsOf({ [name]: value });

      // Assert
      expect(problems).toEqual([`${name}="${value}" ${reason}`]);
    });

    it.each([
      [{ LOG_FORMAT: 'json', LOG_LEVEL: 'info' }, 'json', 'info'],
      [{ LOG_FORMAT: 'pretty', LOG_LEVEL: 'verbose' }, 'pretty', 'verbose'],
    ])('reads LOG_FORMAT and LOG_LEVEL from %p', (raw, format, level) => {
      expect(validateEnv(raw, '/srv')).toMatchObject({ LOG_FORMAT: format, LOG_LEVEL: level });
    });

    it.each(['DATA_DIR', 'PID_FILE_PATH', 'DATABASE_PATH'])('rejects a NUL byte in %s', (name) => {
      const problems = problemsOf({ [name]: 'data\0/evil' });

      expect(problems).toEqual([`${name} must not contain a NUL byte`]);
    });

    it('throws an EnvValidationError with a stable code and a readable message', () => {
      // Act
      let thrown: unknown;
      try {
        validateEnv({ PORT: 'abc' }, CWD);
      } catch (error) {
        thrown = error;
      }

      // Assert
      expect(thrown).toBeInstanceOf(EnvValidationError);
      expect(thrown).toMatchObject({ code: 'INVALID_ENVIRONMENT', name: 'EnvValidationError' });
      expect((thrown as Error).message).toBe('Invalid environment:\n  - PORT="abc" must be a whole number from 1 to 65535');
    });
  });

  describe('when ALLOWED_HOSTS is set', () => {
    it('reads names, addresses and ports, trimmed', () => {
      const env = validateEnv({ ALLOWED_HOSTS: ' procguard.lan , 10.0.0.5:3000,[::1]:8080,proxy.example.com:443' }, CWD);

      expect(env.ALLOWED_HOSTS).toEqual(['procguard.lan', '10.0.0.5:3000', '[::1]:8080', 'proxy.example.com:443']);
    });

    it('accepts * alone', () => {
      expect(validateEnv({ ALLOWED_HOSTS: '*' }, CWD).ALLOWED_HOSTS).toEqual(['*']);
    });

    it.each([
      ['http://evil.example', 'ALLOWED_HOSTS entry "http://evil.example" must be a host name or address with an optional :port, or *'],
      ['host:99999', 'ALLOWED_HOSTS entry "host:99999" must be a host name or address with an optional :port, or *'],
      ['under_score', 'ALLOWED_HOSTS entry "under_score" must be a host name or address with an optional :port, or *'],
      ['::1', 'ALLOWED_HOSTS entry "::1" must be a host name or address with an optional :port, or *'],
      ['*,localhost', 'ALLOWED_HOSTS="*" must stand alone'],
    ])('rejects %p, naming the variable', (value, problem) => {
      expect(problemsOf({ ALLOWED_HOSTS: value })).toEqual([problem]);
    });
  });

  describe('when several values are bad', () => {
    it('reports every problem at once', () => {
      // Act
      const problems = problemsOf({ PORT: '99999', HOST: 'no spaces allowed', SHUTDOWN_TIMEOUT_MS: 'soon', DATA_DIR: 'a\0b' });

      // Assert
      expect(problems).toHaveLength(4);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^PORT="99999" /),
          expect.stringMatching(/^HOST="no spaces allowed" /),
          expect.stringMatching(/^SHUTDOWN_TIMEOUT_MS="soon" /),
          expect.stringMatching(/^DATA_DIR /),
        ]),
      );
    });
  });

  describe('the lock backend variables', () => {
    const URL_WITH_SECRET = 'postgres://app:s3cret-pw@db.internal:5432/app';

    it('reads the postgres backend, its URL, key, standby and heartbeat', () => {
      const env = validateEnv(
        { LOCK_BACKEND: 'postgres', LOCK_DATABASE_URL: URL_WITH_SECRET, LOCK_KEY: 'orders-prod', LOCK_STANDBY: 'true', LOCK_HEARTBEAT_MS: '250' },
        CWD,
      );

      expect(env).toMatchObject({
        LOCK_BACKEND: 'postgres',
        LOCK_DATABASE_URL: URL_WITH_SECRET,
        LOCK_KEY: 'orders-prod',
        LOCK_STANDBY: true,
        LOCK_HEARTBEAT_MS: 250,
      });
    });

    it('names each wrong variable and its reason', () => {
      expect(problemsOf({ LOCK_BACKEND: 'redis', LOCK_STANDBY: 'yes', LOCK_HEARTBEAT_MS: '5', LOCK_KEY: 'a\nb' })).toEqual([
        'LOCK_BACKEND="redis" must be file or postgres',
        'LOCK_KEY must be at most 200 characters with no control characters',
        'LOCK_STANDBY="yes" must be true or false',
        'LOCK_HEARTBEAT_MS="5" must be a whole number from 100 to 10000',
      ]);
    });

    it('requires LOCK_DATABASE_URL for the postgres backend, and standby needs that backend', () => {
      expect(problemsOf({ LOCK_BACKEND: 'postgres' })).toEqual([
        'LOCK_DATABASE_URL must be set when LOCK_BACKEND is postgres (e.g. postgres://user@db-host:5432/app)',
      ]);
      expect(problemsOf({ LOCK_STANDBY: 'true' })).toEqual([
        "LOCK_STANDBY needs LOCK_BACKEND postgres: a standby waits for another host's lock",
      ]);
    });

    it('rejects a URL that is not postgres without quoting it (it may hold a password)', () => {
      for (const bad of ['mysql://u:s3cret-pw@h/db', 'not a url s3cret-pw', 'postgres:///s3cret-pw']) {
        const problems = problemsOf({ LOCK_BACKEND: 'postgres', LOCK_DATABASE_URL: bad });

        expect(problems).toEqual(['LOCK_DATABASE_URL must be a postgres:// or postgresql:// URL']);
        expect(problems.join('')).not.toContain('s3cret-pw');
      }
    });
  });
});
