import { InvalidLockFileError } from './lifecycle.errors.js';
import { CURRENT_FORMAT_VERSION, ProcessLock, type ProcessLockProps } from './process-lock.value-object.js';

function validProps(overrides: Partial<Record<keyof ProcessLockProps, unknown>> = {}): ProcessLockProps {
  return {
    pid: 4321,
    startedAt: '2024-05-01T10:00:00.000Z',
    port: 3000,
    host: '127.0.0.1',
    nodeVersion: 'v20.11.1',
    instanceId: '6f1c2a8e-0000-4000-8000-000000000001',
    hostname: 'build-box',
    bootId: 'boot-aaaa',
    processStartTime: '123456',
    role: 'server',
    generation: { ino: '9001', birthtimeNs: '1714557600000000000' },
    ...overrides,
  } as ProcessLockProps;
}

/** Runs `act` and returns what it threw, failing the test when it throws nothing. */
function thrownBy(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

describe('ProcessLock', () => {
  describe('when created from valid props', () => {
    it('keeps every field', () => {
      // Arrange
      const props = validProps();

      // Act
      const lock = ProcessLock.create(props);

      // Assert
      expect(lock.pid).toBe(4321);
      expect(lock.startedAt).toBe('2024-05-01T10:00:00.000Z');
      expect(lock.port).toBe(3000);
      expect(lock.host).toBe('127.0.0.1');
      expect(lock.nodeVersion).toBe('v20.11.1');
      expect(lock.instanceId).toBe('6f1c2a8e-0000-4000-8000-000000000001');
      expect(lock.hostname).toBe('build-box');
      expect(lock.bootId).toBe('boot-aaaa');
      expect(lock.processStartTime).toBe('123456');
      expect(lock.role).toBe('server');
      expect(lock.generation).toEqual({ ino: '9001', birthtimeNs: '1714557600000000000' });
    });

    it('is immutable and does not share the generation object with the caller', () => {
      // Arrange
      const generation = { ino: '1', birthtimeNs: '2' };
      const lock = ProcessLock.create(validProps({ generation }));

      // Act
      generation.ino = 'changed';

      // Assert
      expect(lock.generation?.ino).toBe('1');
      expect(Object.isFrozen(lock)).toBe(true);
      expect(() => {
        (lock as { pid: number }).pid = 1;
      }).toThrow(TypeError);
    });

    it('accepts the optional facts being absent', () => {
      // Arrange
      const props = validProps({ hostname: '', bootId: null, processStartTime: null, generation: null, role: 'dev-session' });

      // Act
      const lock = ProcessLock.create(props);

      // Assert
      expect(lock).toMatchObject({ hostname: '', bootId: null, processStartTime: null, generation: null, role: 'dev-session' });
    });

    it.each([0, 65535])('accepts port %d at the edge of the range', (port) => {
      expect(ProcessLock.create(validProps({ port })).port).toBe(port);
    });

    it('exposes the holder identity from pid, hostname, boot id and start time', () => {
      // Arrange
      const lock = ProcessLock.create(validProps());

      // Act
      const identity = lock.identity;

      // Assert
      expect(identity.equals({ pid: 4321, hostname: 'build-box', bootId: 'boot-aaaa', startTime: '123456' })).toBe(true);
    });
  });

  describe('when a field is missing or wrong', () => {
    it.each<[keyof ProcessLockProps, unknown]>([
      ['pid', 0],
      ['pid', -7],
      ['pid', 12.5],
      ['pid', '4321'],
      ['pid', undefined],
      ['port', -1],
      ['port', 65536],
      ['port', 80.5],
      ['port', '3000'],
      ['instanceId', ''],
      ['instanceId', undefined],
      ['nodeVersion', ''],
      ['nodeVersion', 20],
      ['startedAt', 'yesterday'],
      ['startedAt', 1714557600000],
      ['startedAt', undefined],
      ['role', 'admin'],
      ['role', undefined],
      ['host', ''],
      ['host', 8080],
      ['hostname', 42],
      ['bootId', 42],
      ['processStartTime', 123456],
      ['generation', { ino: 9001, birthtimeNs: '1' }],
      ['generation', { ino: '9001' }],
    ])('rejects %s = %p with an InvalidLockFileError naming the field', (field, value) => {
      // Arrange
      const props = validProps({ [field]: value });

      // Act
      const error = thrownBy(() => ProcessLock.create(props));

      // Assert
      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect((error as InvalidLockFileError).code).toBe('INVALID_LOCK_FILE');
      expect(error.message).toContain(`"${field}"`);
    });

    it('shows the rejected value for numeric fields', () => {
      const error = thrownBy(() => ProcessLock.create(validProps({ port: 70000 })));

      expect(error.message).toBe('PID file field "port" must be a port number (0-65535), got 70000');
    });
  });

  describe('when reading a format 2 PID file', () => {
    it('reads every field', () => {
      // Arrange
      const text = JSON.stringify({ formatVersion: 2, ...validProps({ role: 'dev-session', host: '0.0.0.0' }) });

      // Act
      const lock = ProcessLock.fromFile(text);

      // Assert
      expect(lock.toJSON()).toEqual({ formatVersion: 2, ...validProps({ role: 'dev-session', host: '0.0.0.0' }) });
    });

    it('tolerates the trailing newline the manager writes', () => {
      const lock = ProcessLock.fromFile(`${JSON.stringify(ProcessLock.create(validProps()))}\n`);

      expect(lock.pid).toBe(4321);
    });
  });

  describe('when reading a format 1 PID file (no formatVersion)', () => {
    const formatOne = {
      pid: 812,
      startedAt: '2023-01-02T03:04:05.000Z',
      port: 8080,
      nodeVersion: 'v18.19.0',
      instanceId: 'legacy-instance',
    };

    it('reads its five fields and fills the rest with "unknown" defaults', () => {
      // Act
      const lock = ProcessLock.fromFile(JSON.stringify(formatOne));

      // Assert
      expect(lock.toJSON()).toEqual({
        formatVersion: CURRENT_FORMAT_VERSION,
        ...formatOne,
        host: '127.0.0.1',
        hostname: '',
        bootId: null,
        processStartTime: null,
        role: 'server',
        generation: null,
      });
    });

    it('gives a holder identity that cannot be confirmed', () => {
      // Arrange
      const lock = ProcessLock.fromFile(JSON.stringify(formatOne));

      // Act
      const verdict = lock.identity.compare({ pid: 812, hostname: 'build-box', bootId: 'boot-aaaa', startTime: '99' });

      // Assert
      expect(verdict).toBe('unknown');
    });

    it('also reads an explicit formatVersion 1', () => {
      const lock = ProcessLock.fromFile(JSON.stringify({ formatVersion: 1, ...formatOne }));

      expect(lock.pid).toBe(812);
    });

    it('still names a field that is wrong', () => {
      const error = thrownBy(() => ProcessLock.fromFile(JSON.stringify({ ...formatOne, instanceId: undefined })));

      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect(error.message).toContain('"instanceId"');
    });
  });

  describe('when the PID file is not JSON', () => {
    it.each(['', 'not json', '{"pid": 1', '4321\n\u0000'])('rejects %p', (text) => {
      const error = thrownBy(() => ProcessLock.fromFile(text));

      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect(error.message).toBe('PID file is not valid JSON');
    });
  });

  describe('when the PID file holds JSON that is not an object', () => {
    it.each(['4321', '"4321"', 'null', 'true', '[]', '[{"pid":1}]'])('rejects %s', (text) => {
      const error = thrownBy(() => ProcessLock.fromFile(text));

      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect(error.message).toBe('PID file must hold a JSON object');
    });
  });

  describe('when the PID file was written by a newer build', () => {
    it('rejects it and says the format is newer', () => {
      // Arrange
      const text = JSON.stringify({ ...validProps(), formatVersion: CURRENT_FORMAT_VERSION + 1 });

      // Act
      const error = thrownBy(() => ProcessLock.fromFile(text));

      // Assert
      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect(error.message).toBe('PID file format 3 is newer than this build understands');
    });
  });

  describe('when the PID file has a bad generation', () => {
    it.each([
      ['a number ino', { ino: 9001, birthtimeNs: '1' }],
      ['a missing birth time', { ino: '9001' }],
      ['an array', ['9001', '1']],
      ['a string', '9001:1'],
      ['a number', 9001],
    ])('rejects %s', (_label, generation) => {
      const error = thrownBy(() => ProcessLock.fromFile(JSON.stringify({ ...validProps(), formatVersion: 2, generation })));

      expect(error).toBeInstanceOf(InvalidLockFileError);
      expect(error.message).toContain('"generation"');
    });

    it('reads a null generation as "no generation recorded"', () => {
      const lock = ProcessLock.fromFile(JSON.stringify({ ...validProps(), formatVersion: 2, generation: null }));

      expect(lock.generation).toBeNull();
    });
  });

  describe('when serialised with toJSON', () => {
    it.each([
      ['with a generation', validProps()],
      ['without a generation or identity facts', validProps({ generation: null, bootId: null, processStartTime: null, hostname: '' })],
      ['of a dev session', validProps({ role: 'dev-session', host: '::1' })],
    ])('reads back as an equal record (%s)', (_label, props) => {
      // Arrange
      const original = ProcessLock.create(props);

      // Act
      const reread = ProcessLock.fromFile(JSON.stringify(original));

      // Assert
      expect(reread.equals(original)).toBe(true);
      expect(reread).toEqual(original);
    });

    it('stamps the current format version', () => {
      expect(ProcessLock.create(validProps()).toJSON().formatVersion).toBe(2);
    });

    it('returns a copy of the generation', () => {
      // Arrange
      const lock = ProcessLock.create(validProps());
      const json = lock.toJSON();

      // Act
      (json.generation as { ino: string }).ino = 'changed';

      // Assert
      expect(lock.generation?.ino).toBe('9001');
    });
  });

  describe('when given a generation with withGeneration', () => {
    it('returns a new record describing it and leaves the original alone', () => {
      // Arrange
      const original = ProcessLock.create(validProps({ generation: null }));

      // Act
      const stamped = original.withGeneration({ ino: '77', birthtimeNs: '88' });

      // Assert
      expect(stamped.generation).toEqual({ ino: '77', birthtimeNs: '88' });
      expect(original.generation).toBeNull();
      expect(stamped.instanceId).toBe(original.instanceId);
      expect(stamped).toEqual(ProcessLock.create(validProps({ generation: { ino: '77', birthtimeNs: '88' } })));
    });
  });

  describe('when compared with equals', () => {
    it('is equal to a record built from the same props', () => {
      expect(ProcessLock.create(validProps()).equals(ProcessLock.create(validProps()))).toBe(true);
    });

    it.each<[keyof ProcessLockProps, unknown]>([
      ['pid', 4322],
      ['startedAt', '2024-05-01T10:00:01.000Z'],
      ['port', 3001],
      ['host', '0.0.0.0'],
      ['nodeVersion', 'v22.0.0'],
      ['instanceId', 'another-instance'],
      ['hostname', 'other-box'],
      ['bootId', 'boot-bbbb'],
      ['bootId', null],
      ['processStartTime', '123457'],
      ['processStartTime', null],
      ['role', 'dev-session'],
      ['generation', { ino: '9002', birthtimeNs: '1714557600000000000' }],
      ['generation', { ino: '9001', birthtimeNs: '1714557600000000001' }],
      ['generation', null],
    ])('differs when only %s differs (%p)', (field, value) => {
      // Arrange
      const base = ProcessLock.create(validProps());
      const other = ProcessLock.create(validProps({ [field]: value }));

      // Act & Assert
      expect(base.equals(other)).toBe(false);
      expect(other.equals(base)).toBe(false);
    });

    it('treats two records without a generation as equal', () => {
      const a = ProcessLock.create(validProps({ generation: null }));
      const b = ProcessLock.create(validProps({ generation: null }));

      expect(a.equals(b)).toBe(true);
    });
  });

  describe('when asked whether it describes a lock generation', () => {
    const lock = ProcessLock.create(validProps());

    it('matches the same inode and birth time', () => {
      expect(lock.describes({ ino: '9001', birthtimeNs: '1714557600000000000' })).toBe(true);
    });

    it.each([
      ['another inode', { ino: '9002', birthtimeNs: '1714557600000000000' }],
      ['another birth time (inode reused)', { ino: '9001', birthtimeNs: '1714557700000000000' }],
      ['no generation', null],
    ])('does not match %s', (_label, generation) => {
      expect(lock.describes(generation)).toBe(false);
    });

    it('never matches when the record itself has no generation', () => {
      const unstamped = ProcessLock.create(validProps({ generation: null }));

      expect(unstamped.describes({ ino: '9001', birthtimeNs: '1714557600000000000' })).toBe(false);
    });
  });
});
