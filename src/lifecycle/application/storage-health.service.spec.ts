import { isStorageError } from './ports/storage-health.port.js';
import { StorageHealth } from './storage-health.service.js';

const enospc = Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' });

function health() {
  const lines: string[] = [];
  const log = { error: (m: string) => lines.push(`error ${m}`), log: (m: string) => lines.push(`log ${m}`) };
  return { lines, storage: new StorageHealth(log, () => new Date('2026-12-01T00:00:00Z')) };
}

describe('StorageHealth', () => {
  describe('when a component keeps failing', () => {
    it('logs the outage once and counts every failure', () => {
      const { lines, storage } = health();
      for (let i = 0; i < 5; i++) storage.failed('process logs', enospc);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('ENOSPC');
      expect(storage.problems()).toEqual([
        { component: 'process logs', reason: 'ENOSPC: no space left on device, write', since: '2026-12-01T00:00:00.000Z', failures: 5 },
      ]);
    });
  });

  describe('when writes succeed again', () => {
    it('clears the problem and says so once', () => {
      const { lines, storage } = health();
      storage.failed('child records', enospc);
      storage.succeeded('child records');
      storage.succeeded('child records');
      expect(storage.problems()).toEqual([]);
      expect(lines.filter((l) => l.startsWith('log'))).toHaveLength(1);
    });
  });

  it('keeps components apart', () => {
    const { storage } = health();
    storage.failed('event log', enospc);
    storage.failed('database', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    storage.succeeded('event log');
    expect(storage.problems().map((p) => p.component)).toEqual(['database']);
  });
});

describe('isStorageError', () => {
  it.each(['ENOSPC', 'EIO', 'EDQUOT', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE'])('treats %s as a storage failure', (code) => {
    expect(isStorageError(Object.assign(new Error(code), { code }))).toBe(true);
  });

  it.each(['ENOENT', 'EACCES', undefined])('does not treat %s as one', (code) => {
    expect(isStorageError(Object.assign(new Error('x'), { code }))).toBe(false);
  });
});
