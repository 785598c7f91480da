import { ProcessLock, type ProcessLockProps } from '../domain/process-lock.value-object.js';
import { generationOf, LockInspector, lockPathsFor, type LockVerdict, type ProcessProbe } from './lock-inspector.js';
import type { LiveProcess } from './process-utils.js';
import { InMemoryFileSystem } from './testing/in-memory-file-system.js';

const HOST = 'host-a';
const BOOT = 'boot-1111';
const HOLDER_PID = 4321;
const HOLDER_START = '777000';
const LOCK_INO = '5001';
const LOCK_BIRTH = '1714557600000000000';
const UNREFRESHED_MS = 3_000;
const paths = lockPathsFor('/data/backend.pid');

/** The process table as the test wants the kernel to report it. */
class FakeProcessProbe implements ProcessProbe {
  readonly hostname = HOST;
  private readonly table = new Map<number, LiveProcess>();
  readonly asked: number[] = [];

  run(pid: number, facts: Partial<LiveProcess> = {}): this {
    this.table.set(pid, { pid, ppid: 1, hostname: HOST, bootId: BOOT, startTime: HOLDER_START, ...facts });
    return this;
  }

  inspect(pid: number): LiveProcess | null {
    this.asked.push(pid);
    return this.table.get(pid) ?? null;
  }
}

function holderRecord(overrides: Partial<ProcessLockProps> = {}): ProcessLock {
  return ProcessLock.create({
    pid: HOLDER_PID,
    startedAt: '2024-05-01T10:00:00.000Z',
    port: 3000,
    host: '127.0.0.1',
    nodeVersion: 'v20.11.1',
    instanceId: 'holder-instance',
    hostname: HOST,
    bootId: BOOT,
    processStartTime: HOLDER_START,
    role: 'server',
    generation: { ino: LOCK_INO, birthtimeNs: LOCK_BIRTH },
    ...overrides,
  });
}

describe('LockInspector', () => {
  let nowMs: number;
  let fs: InMemoryFileSystem;
  let probe: FakeProcessProbe;
  let inspector: LockInspector;

  beforeEach(() => {
    nowMs = 1_714_560_000_000;
    fs = new InMemoryFileSystem(() => nowMs);
    fs.addDir('/data');
    probe = new FakeProcessProbe();
    inspector = new LockInspector(paths, fs, probe, UNREFRESHED_MS, () => nowMs);
  });

  /** The lock directory, last refreshed `ageMs` ago. */
  function lockDir(ageMs: number, meta: { ino?: string; birthtimeNs?: string } = {}): void {
    fs.addDir(paths.lockDir, { ino: LOCK_INO, birthtimeNs: LOCK_BIRTH, mtimeMs: nowMs - ageMs, ...meta });
  }

  function pidFile(record: ProcessLock = holderRecord()): void {
    fs.addFile(paths.pidFile, `${JSON.stringify(record)}\n`);
  }

  function expectKind<K extends LockVerdict['kind']>(verdict: LockVerdict, kind: K): Extract<LockVerdict, { kind: K }> {
    expect(verdict.kind).toBe(kind);
    return verdict as Extract<LockVerdict, { kind: K }>;
  }

  describe('when there is no lock directory', () => {
    it('is free', () => {
      expect(inspector.inspect()).toEqual({ kind: 'free' });
    });

    it('is free even with a PID file left behind', () => {
      pidFile();

      expect(inspector.inspect()).toEqual({ kind: 'free' });
    });
  });

  describe('when the PID file describes the lock and its holder is alive', () => {
    it('is held by that holder', () => {
      // Arrange
      lockDir(500);
      pidFile();
      probe.run(HOLDER_PID);

      // Act
      const verdict = expectKind(inspector.inspect(), 'held');

      // Assert
      expect(verdict.holder?.equals(holderRecord())).toBe(true);
      expect(verdict.reason).toBe('holder is alive');
    });

    it('stays held even when the lock has not been refreshed for long (a stalled but live holder)', () => {
      lockDir(60_000);
      pidFile();
      probe.run(HOLDER_PID);

      expect(inspector.inspect().kind).toBe('held');
    });
  });

  describe('when the PID file describes the lock and its holder is dead', () => {
    it('is stale, with the dead holder and the lock stat to remove', () => {
      // Arrange: fresh mtime, but the process is gone.
      lockDir(100);
      pidFile();

      // Act
      const verdict = expectKind(inspector.inspect(), 'stale');

      // Assert
      expect(verdict.holder?.pid).toBe(HOLDER_PID);
      expect(verdict.reason).toBe(`PID ${HOLDER_PID} is no longer running`);
      expect(verdict.lock).toMatchObject({ ino: LOCK_INO, birthtimeNs: LOCK_BIRTH, isDirectory: true });
      expect(probe.asked).toEqual([HOLDER_PID]);
    });
  });

  describe('when the holder’s PID now names another process', () => {
    it.each([
      ['a different start time', { startTime: '999999' }],
      ['a different boot id (rebooted since)', { bootId: 'boot-2222' }],
    ])('is stale (%s)', (_label, facts) => {
      // Arrange
      lockDir(100);
      pidFile();
      probe.run(HOLDER_PID, facts);

      // Act
      const verdict = expectKind(inspector.inspect(), 'stale');

      // Assert
      expect(verdict.reason).toBe(`PID ${HOLDER_PID} now belongs to a different process`);
    });
  });

  describe('when the holder cannot be verified (no start time recorded)', () => {
    beforeEach(() => {
      pidFile(holderRecord({ processStartTime: null }));
      probe.run(HOLDER_PID, { startTime: '123' });
    });

    it('is held while the lock is fresh', () => {
      lockDir(1_000);

      const verdict = expectKind(inspector.inspect(), 'held');

      expect(verdict.reason).toBe('holder identity cannot be verified (unverified)');
    });

    it('is stale once the lock has not been refreshed for longer than the limit', () => {
      lockDir(UNREFRESHED_MS + 1);

      const verdict = expectKind(inspector.inspect(), 'stale');

      expect(verdict.reason).toBe(`holder identity cannot be verified (unverified), and the lock has not been refreshed for ${UNREFRESHED_MS + 1} ms`);
    });
  });

  describe('when the holder runs on another host (shared data directory)', () => {
    beforeEach(() => {
      // Same PID alive here is irrelevant: it is another machine's process.
      pidFile(holderRecord({ hostname: 'host-b' }));
    });

    it('is held while the lock is fresh, without looking at the local process table', () => {
      lockDir(2_000);

      const verdict = expectKind(inspector.inspect(), 'held');

      expect(verdict.reason).toContain('foreign');
      expect(verdict.holder?.hostname).toBe('host-b');
      expect(probe.asked).toEqual([]);
    });

    it('is stale when the lock is old', () => {
      lockDir(10_000);

      const verdict = expectKind(inspector.inspect(), 'stale');

      expect(verdict.reason).toContain('foreign');
      expect(verdict.reason).toContain('not been refreshed for 10000 ms');
    });
  });

  describe('when the PID file cannot be used', () => {
    it.each<[string, (fs: InMemoryFileSystem) => void, string]>([
      ['missing', () => undefined, 'the PID file is missing'],
      ['garbage', (f) => void f.addFile(paths.pidFile, 'garbage{'), 'PID file is not valid JSON'],
      ['a symlink', (f) => void f.addSymlink(paths.pidFile, '/etc/passwd'), 'the PID file is a symlink'],
      ['unreadable', (f) => void f.addFile(paths.pidFile, '{}').failWith(paths.pidFile, 'EACCES'), 'the PID file cannot be read (EACCES)'],
      ['from a newer build', (f) => void f.addFile(paths.pidFile, '{"formatVersion":9}'), 'PID file format 9 is newer than this build understands'],
    ])('is unsettled while the lock is fresh (PID file %s)', (_label, arrange, reason) => {
      // Arrange
      lockDir(UNREFRESHED_MS);
      arrange(fs);

      // Act
      const verdict = inspector.inspect();

      // Assert
      expect(verdict).toEqual({ kind: 'unsettled', holder: null, reason });
    });

    it.each<[string, (fs: InMemoryFileSystem) => void, string]>([
      ['missing', () => undefined, 'the PID file is missing'],
      ['garbage', (f) => void f.addFile(paths.pidFile, 'garbage{'), 'PID file is not valid JSON'],
      ['a symlink', (f) => void f.addSymlink(paths.pidFile, '/etc/passwd'), 'the PID file is a symlink'],
    ])('is stale once the lock is unrefreshed (PID file %s)', (_label, arrange, reason) => {
      // Arrange
      lockDir(UNREFRESHED_MS + 1);
      arrange(fs);

      // Act
      const verdict = expectKind(inspector.inspect(), 'stale');

      // Assert
      expect(verdict.holder).toBeNull();
      expect(verdict.reason).toBe(`${reason}, and the lock has not been refreshed for ${UNREFRESHED_MS + 1} ms`);
      expect(verdict.lock.ino).toBe(LOCK_INO);
    });
  });

  describe('when the PID file describes an older lock generation', () => {
    it.each([
      ['another inode', { ino: '4999', birthtimeNs: LOCK_BIRTH }],
      ['the same inode born at another time', { ino: LOCK_INO, birthtimeNs: '1714557500000000000' }],
    ])('is unsettled even though its holder is dead (%s)', (_label, generation) => {
      // Arrange: a crashed holder's record; a new holder made the lock and is writing its PID file.
      lockDir(200);
      pidFile(holderRecord({ generation }));

      // Act
      const verdict = expectKind(inspector.inspect(), 'unsettled');

      // Assert
      expect(verdict.reason).toBe('no PID file describes the lock yet');
      expect(verdict.holder?.generation).toEqual(generation);
      expect(probe.asked).toEqual([]);
    });

    it('is unsettled for a format 1 PID file, which records no generation', () => {
      lockDir(200);
      fs.addFile(paths.pidFile, JSON.stringify({ pid: HOLDER_PID, startedAt: '2024-05-01T10:00:00.000Z', port: 3000, nodeVersion: 'v18.0.0', instanceId: 'old' }));
      probe.run(HOLDER_PID);

      expect(inspector.inspect().kind).toBe('unsettled');
    });

    it('is stale once the lock is unrefreshed', () => {
      lockDir(UNREFRESHED_MS + 500);
      pidFile(holderRecord({ generation: { ino: '4999', birthtimeNs: LOCK_BIRTH } }));

      const verdict = expectKind(inspector.inspect(), 'stale');

      expect(verdict.reason).toContain('no PID file describes the lock yet');
    });
  });

  describe('when the file system records no birth time', () => {
    it('still recognises a live holder by inode and refuses at once', () => {
      // Arrange
      lockDir(200, { birthtimeNs: '0' });
      pidFile(holderRecord({ generation: { ino: LOCK_INO, birthtimeNs: '0' } }));
      probe.run(HOLDER_PID);

      // Act
      const verdict = inspector.inspect();

      // Assert
      expect(verdict.kind).toBe('held');
    });

    it('believes a dead holder only once the lock has stopped being refreshed', () => {
      // Arrange: the inode may have been reused by a brand-new lock.
      lockDir(200, { birthtimeNs: '0' });
      pidFile(holderRecord({ generation: { ino: LOCK_INO, birthtimeNs: '0' } }));

      // Act / Assert
      expect(inspector.inspect().kind).toBe('unsettled');
      lockDir(UNREFRESHED_MS + 1, { birthtimeNs: '0' });
      expect(inspector.inspect().kind).toBe('stale');
    });
  });

  describe('when judging by refresh age', () => {
    it.each([
      [UNREFRESHED_MS - 1, 'unsettled'],
      [UNREFRESHED_MS, 'unsettled'],
      [UNREFRESHED_MS + 1, 'stale'],
    ])('an age of %d ms is %s', (age, kind) => {
      lockDir(age);

      expect(inspector.inspect().kind).toBe(kind);
    });

    it('follows the clock: a fresh lock becomes stale as time passes without refresh', () => {
      // Arrange
      lockDir(0);
      const before = inspector.inspect().kind;

      // Act
      nowMs += UNREFRESHED_MS + 1;
      const after = inspector.inspect().kind;

      // Assert
      expect(before).toBe('unsettled');
      expect(after).toBe('stale');
    });

    it('sees a refresh by the holder', () => {
      lockDir(UNREFRESHED_MS + 1);
      fs.touch(paths.lockDir, nowMs);

      expect(inspector.inspect().kind).toBe('unsettled');
    });
  });

  describe('when the lock path is not a directory', () => {
    it.each<[string, (fs: InMemoryFileSystem) => void]>([
      ['a symlink to a directory', (f) => void f.addDir('/elsewhere').addSymlink(paths.lockDir, '/elsewhere')],
      ['a regular file', (f) => void f.addFile(paths.lockDir, '')],
    ])('is unusable when it is %s', (_label, arrange) => {
      // Arrange
      arrange(fs);
      pidFile();
      probe.run(HOLDER_PID);

      // Act
      const verdict = expectKind(inspector.inspect(), 'unusable');

      // Assert
      expect(verdict.reason).toBe(`${paths.lockDir} is not a lock directory (a symlink or a file); remove it`);
    });
  });

  describe('lockPathsFor and generationOf', () => {
    it('derive the lock and gate directories from the PID file path', () => {
      expect(lockPathsFor('/var/lib/app/backend.pid')).toEqual({
        pidFile: '/var/lib/app/backend.pid',
        lockDir: '/var/lib/app/backend.pid.lock',
        gateDir: '/var/lib/app/backend.pid.gate',
      });
    });

    it('take a generation from a stat', () => {
      expect(generationOf({ isDirectory: true, isSymbolicLink: false, ino: '7', birthtimeNs: '8', mtimeMs: 9 })).toEqual({ ino: '7', birthtimeNs: '8' });
    });
  });
});
