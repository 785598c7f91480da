import { EnvValidationError } from '../config/env.validation.js';
import { resolveSettings } from '../config/settings.js';
import { bootstrapOptionProblems, bootstrapOverrides, platformOf, type BootstrapOptions } from './bootstrap-options.js';

const module = () => ({});

describe('bootstrap options', () => {
  it('has no problem with the minimal options', () => {
    expect(bootstrapOptionProblems({ module }, {})).toEqual([]);
  });

  it('names an unknown option, a missing loader and a wrong platform, each by option', () => {
    const options = { module: './app.module.js', prot: 3000, platform: 'koa' } as unknown as BootstrapOptions;

    expect(bootstrapOptionProblems(options, {})).toEqual([
      expect.stringContaining('bootstrap option prot is not an option'),
      expect.stringContaining('bootstrap option module must be a function'),
      'bootstrap option platform="koa" must be express or fastify',
    ]);
  });

  it('reads the platform from HTTP_PLATFORM when the option is not given, and names the variable', () => {
    expect(platformOf({ module }, { HTTP_PLATFORM: 'fastify' })).toBe('fastify');
    expect(platformOf({ module, platform: 'express' }, { HTTP_PLATFORM: 'fastify' })).toBe('express');
    expect(platformOf({ module }, {})).toBe('express');
    expect(bootstrapOptionProblems({ module }, { HTTP_PLATFORM: 'hapi' })).toEqual(['HTTP_PLATFORM="hapi" must be express or fastify']);
  });

  it('refuses a prefix that is not a path segment', () => {
    expect(bootstrapOptionProblems({ module, globalPrefix: 'api v2' }, {})).toEqual([expect.stringContaining('globalPrefix')]);
    expect(bootstrapOptionProblems({ module, globalPrefix: '' }, {})).toEqual([]);
  });

  it('maps each setting to its variable, labelled by the option', () => {
    const overrides = bootstrapOverrides({ module, port: 8080, dataDir: '/var/lib/app' });

    expect(overrides).toContainEqual({ variable: 'PORT', label: 'bootstrap option port', value: 8080 });
    expect(overrides).toContainEqual({ variable: 'DATA_DIR', label: 'bootstrap option dataDir', value: '/var/lib/app' });
    expect(overrides.find((o) => o.variable === 'HOST')?.value).toBeUndefined();
  });

  it('takes the lock settings as options, and names the option in a problem', () => {
    const url = 'postgres://app@db.internal/app';
    const settings = resolveSettings({}, bootstrapOverrides({ module, lockBackend: 'postgres', lockDatabaseUrl: url, lockKey: 'orders', lockStandby: true }), '/srv');

    expect(settings).toMatchObject({ LOCK_BACKEND: 'postgres', LOCK_DATABASE_URL: url, LOCK_KEY: 'orders', LOCK_STANDBY: true, LOCK_HEARTBEAT_MS: 500 });
    expect(() => resolveSettings({}, bootstrapOverrides({ module, lockBackend: 'postgres', lockHeartbeatMs: 5 }), '/srv')).toThrow(
      expect.objectContaining({
        constructor: EnvValidationError,
        problems: [
          'LOCK_DATABASE_URL must be set when bootstrap option lockBackend is postgres (e.g. postgres://user@db-host:5432/app)',
          'bootstrap option lockHeartbeatMs="5" must be a whole number from 100 to 10000',
        ],
      }),
    );
  });
});
