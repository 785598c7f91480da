import { EnvValidationError } from './env.validation.js';
import { resolveSettings } from './settings.js';

const CWD = '/srv/app';

describe('resolveSettings', () => {
  it('uses the environment when no option is given, and the defaults after that', () => {
    const settings = resolveSettings({ PORT: '4000' }, [{ variable: 'HOST', label: 'bootstrap option host', value: undefined }], CWD);

    expect(settings).toMatchObject({ PORT: 4000, HOST: '127.0.0.1', DATA_DIR: '/srv/app/data' });
  });

  it('lets an option in code win over its variable', () => {
    const settings = resolveSettings({ PORT: '4000', DATA_DIR: '/env' }, [
      { variable: 'PORT', label: 'bootstrap option port', value: 5000 },
      { variable: 'DATA_DIR', label: 'bootstrap option dataDir', value: 'state' },
    ], CWD);

    expect(settings).toMatchObject({ PORT: 5000, DATA_DIR: '/srv/app/state', PID_FILE_PATH: '/srv/app/state/backend.pid' });
  });

  it('takes a list option as the list, and null as "not set"', () => {
    const settings = resolveSettings({ API_TOKEN: 'from-the-environment-1234' }, [
      { variable: 'READY_REQUIRES', label: 'ProcguardModule option readyRequires', value: ['web', 'worker'] },
      { variable: 'API_TOKEN', label: 'ProcguardModule option apiToken', value: null },
    ], CWD);

    expect(settings.READY_REQUIRES).toEqual(['web', 'worker']);
    expect(settings.API_TOKEN).toBeNull();
  });

  it('names the option the user wrote, and the variable for what came from the environment', () => {
    const resolve = () =>
      resolveSettings({ SSE_MAX_STREAMS: 'lots' }, [{ variable: 'PORT', label: 'bootstrap option port', value: 70000 }], CWD);

    expect(resolve).toThrow(EnvValidationError);
    expect(resolve).toThrow(
      'Invalid settings:\n  - bootstrap option port="70000" must be a whole number from 1 to 65535\n  - SSE_MAX_STREAMS="lots" must be a whole number from 1 to 10000',
    );
  });

  it('keeps the environment wording when no option was given', () => {
    expect(() => resolveSettings({ PORT: 'x' }, [], CWD)).toThrow('Invalid environment:\n  - PORT="x" must be a whole number');
  });
});
