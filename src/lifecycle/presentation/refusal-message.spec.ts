import { InstanceAlreadyRunningError } from '../domain/lifecycle.errors.js';
import { ProcessLock, type ProcessLockProps } from '../domain/process-lock.value-object.js';
import { formatRefusal, type RefusalContext } from './refusal-message.js';

const STARTED_AT = '2024-05-01T10:00:00.000Z';

function holder(overrides: Partial<ProcessLockProps> = {}): ProcessLock {
  return ProcessLock.create({
    pid: 4321,
    startedAt: STARTED_AT,
    port: 3000,
    host: '127.0.0.1',
    nodeVersion: 'v20.11.1',
    instanceId: 'holder-instance',
    hostname: 'build-box',
    bootId: 'boot-1',
    processStartTime: '777',
    role: 'server',
    generation: { ino: '1', birthtimeNs: '2' },
    ...overrides,
  });
}

function context(now = '2024-05-01T10:05:30.000Z'): RefusalContext {
  return { dataDir: '/srv/procguard/data', pidFilePath: '/srv/procguard/data/backend.pid', now: new Date(now) };
}

function linesOf(text: string): string[] {
  return text.split('\n');
}

describe('formatRefusal', () => {
  describe('when the holder is known', () => {
    const message = formatRefusal(new InstanceAlreadyRunningError(holder(), 'holder is alive'), context());

    it('says what happened and that nothing was touched', () => {
      expect(linesOf(message)[0]).toBe('procguard: another instance is already running for this data directory.');
      expect(message).toContain('Nothing was started, and the running instance was not touched.');
    });

    it('shows the data directory and the PID file', () => {
      expect(message).toMatch(/^ {2}Data directory +\/srv\/procguard\/data$/m);
      expect(message).toMatch(/^ {2}PID file +\/srv\/procguard\/data\/backend\.pid$/m);
    });

    it('shows the PID, the start time with its age, and the port', () => {
      expect(message).toMatch(/^ {2}PID +4321$/m);
      expect(message).toMatch(/^ {2}Started +2024-05-01T10:00:00\.000Z \(5m 30s ago\)$/m);
      expect(message).toMatch(/^ {2}Port +127\.0\.0\.1:3000$/m);
    });

    it('gives a curl line for the health URL and a kill line', () => {
      expect(message).toMatch(/^ {2}Health +curl http:\/\/127\.0\.0\.1:3000\/api\/health$/m);
      expect(message).toMatch(/^ {2}Stop it +kill -TERM 4321$/m);
    });

    it('does not give the "unknown holder" advice', () => {
      expect(message).not.toContain('unknown');
      expect(message).not.toContain('wait 3 s');
    });

    it('aligns the values in one column', () => {
      const columns = linesOf(message)
        .filter((line) => line.startsWith('  '))
        .map((line) => line.search(/(?<=^ {2}.{15}) \S/));

      expect(new Set(columns)).toEqual(new Set([17]));
    });
  });

  describe('when the holder is a dev session (`procguard dev`, `npm run dev` here)', () => {
    it('says so next to the PID', () => {
      const message = formatRefusal(new InstanceAlreadyRunningError(holder({ role: 'dev-session' }), 'holder is alive'), context());

      expect(message).toMatch(/^ {2}PID +4321 {2}\(a `procguard dev` session\)$/m);
    });
  });

  describe('when the holder listens on every interface or on IPv6', () => {
    it.each([
      ['0.0.0.0', 'curl http://127.0.0.1:3000/api/health'],
      ['::', 'curl http://[::1]:3000/api/health'],
      ['::1', 'curl http://[::1]:3000/api/health'],
      ['fd00::7', 'curl http://[fd00::7]:3000/api/health'],
      ['api.internal', 'curl http://api.internal:3000/api/health'],
    ])('turns host %s into a reachable curl URL', (host, curl) => {
      // Act
      const message = formatRefusal(new InstanceAlreadyRunningError(holder({ host }), 'holder is alive'), context());

      // Assert
      expect(message).toContain(curl);
    });

    it('shows 0.0.0.0 as the bound address but never curls it', () => {
      const message = formatRefusal(new InstanceAlreadyRunningError(holder({ host: '0.0.0.0', port: 8080 }), 'alive'), context());

      expect(message).toMatch(/^ {2}Port +0\.0\.0\.0:8080$/m);
      expect(message).toContain('curl http://127.0.0.1:8080/api/health');
      expect(message).not.toContain('curl http://0.0.0.0');
    });
  });

  describe('when formatting the age of the holder', () => {
    it.each([
      ['2024-05-01T10:00:42.000Z', '42s'],
      ['2024-05-01T10:00:00.000Z', '0s'],
      ['2024-05-01T12:05:59.000Z', '2h 5m'],
      ['2024-05-01T09:59:00.000Z', '0s'],
    ])('at %s shows %s', (now, age) => {
      const message = formatRefusal(new InstanceAlreadyRunningError(holder(), 'alive'), context(now));

      expect(message).toContain(`(${age} ago)`);
    });
  });

  describe('when the holder is unknown', () => {
    const message = formatRefusal(new InstanceAlreadyRunningError(null, 'the PID file is missing'), context());

    it('gives the reason and the lock path instead of a PID', () => {
      expect(message).toMatch(/^ {2}Holder +unknown: the PID file is missing$/m);
      expect(message).toMatch(/^ {2}Lock +\/srv\/procguard\/data\/backend\.pid\.lock$/m);
      expect(message).toMatch(/^ {2}PID file +\/srv\/procguard\/data\/backend\.pid$/m);
    });

    it('offers no curl or kill line, but says how to retry', () => {
      expect(message).not.toContain('curl');
      expect(message).not.toContain('kill');
      expect(message).not.toMatch(/^ {2}PID +\d/m);
      expect(message).toContain('If you are sure nothing runs, wait 3 s (the lock ages out) and start again.');
    });
  });
});
