import { DataDirectoryError } from '../../domain/lifecycle.errors.js';
import { InMemoryFileSystem } from './in-memory-file-system.js';

function codeOf(act: () => unknown): string | undefined {
  try {
    act();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  return undefined;
}

describe('InMemoryFileSystem (test helper)', () => {
  let now: number;
  let fs: InMemoryFileSystem;

  beforeEach(() => {
    now = 1_000;
    fs = new InMemoryFileSystem(() => now);
  });

  describe('when stat-ing', () => {
    it('returns null for a missing path and lstat facts otherwise', () => {
      fs.addDir('/data', { ino: '42', birthtimeNs: '7', mtimeMs: 5 });

      expect(fs.stat('/missing')).toBeNull();
      expect(fs.stat('/data')).toEqual({ isDirectory: true, isSymbolicLink: false, ino: '42', birthtimeNs: '7', mtimeMs: 5 });
    });

    it('does not follow symlinks', () => {
      fs.addDir('/real').addSymlink('/link', '/real');

      expect(fs.stat('/link')).toMatchObject({ isDirectory: false, isSymbolicLink: true });
    });

    it('stamps new entries with a fresh inode and the clock', () => {
      fs.addDir('/a');
      now = 2_000;
      fs.addDir('/b');

      expect(fs.stat('/a')?.ino).not.toBe(fs.stat('/b')?.ino);
      expect(fs.stat('/b')).toMatchObject({ birthtimeNs: '2000000000', mtimeMs: 2_000 });
    });
  });

  describe('when reading', () => {
    it('returns the text, null when missing, and ELOOP for a symlink', () => {
      fs.addFile('/data/pid', 'hello').addSymlink('/data/link', '/data/pid');

      expect(fs.readText('/data/pid')).toBe('hello');
      expect(fs.readText('/data/none')).toBeNull();
      expect(codeOf(() => fs.readText('/data/link'))).toBe('ELOOP');
    });
  });

  describe('when writing atomically', () => {
    it('replaces a symlink at the path instead of writing through it', () => {
      fs.addFile('/etc/passwd', 'root').addSymlink('/data/pid', '/etc/passwd');

      fs.writeAtomic('/data/pid', 'mine');

      expect(fs.kindOf('/data/pid')).toBe('file');
      expect(fs.contentOf('/data/pid')).toBe('mine');
      expect(fs.contentOf('/etc/passwd')).toBe('root');
    });

    it('fails with ENOENT when the directory is missing', () => {
      expect(codeOf(() => fs.writeAtomic('/nowhere/pid', 'x'))).toBe('ENOENT');
    });
  });

  describe('when removing', () => {
    it('accepts missing paths and refuses a non-empty directory', () => {
      fs.addFile('/d/f', 'x');

      expect(() => fs.remove('/missing')).not.toThrow();
      expect(() => fs.removeDir('/missing')).not.toThrow();
      expect(codeOf(() => fs.removeDir('/d'))).toBe('ENOTEMPTY');
      fs.remove('/d/f');
      fs.removeDir('/d');
      expect(fs.exists('/d')).toBe(false);
    });
  });

  describe('when ensuring a writable directory', () => {
    it('creates missing parents', () => {
      fs.ensureWritableDir('/var/lib/app');

      expect(fs.kindOf('/var/lib')).toBe('dir');
      expect(fs.kindOf('/var/lib/app')).toBe('dir');
    });

    it('throws DataDirectoryError when told to fail or blocked by a file', () => {
      fs.addFile('/var/file', '');
      fs.failWith('/ro', 'EROFS');

      expect(() => fs.ensureWritableDir('/var/file/sub')).toThrow(DataDirectoryError);
      expect(() => fs.ensureWritableDir('/ro')).toThrow(/EROFS/);
    });
  });
});
