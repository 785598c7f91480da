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
});
