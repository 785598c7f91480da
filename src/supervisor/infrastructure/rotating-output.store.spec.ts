import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageHealth } from '../../lifecycle/application/storage-health.service.js';
import { MAX_TAIL_LINE_BYTES, TRUNCATED_LINE, truncationMarker } from '../application/ports/output-store.port.js';
import { isSafeLogName, RotatingOutputStore, type RotatingOutputStoreOptions } from './rotating-output.store.js';

const T = '2024-05-01T10:00:00.000Z';
const fixedClock = () => new Date(T);
/** `${T} stdout line-NN\n` is 40 bytes. */
const LINE_BYTES = 40;

describe('RotatingOutputStore', () => {
  let root: string;
  let dir: string;
  let store: RotatingOutputStore;

  const open = (options: Partial<RotatingOutputStoreOptions> = {}) => {
    store = new RotatingOutputStore({ dir, now: fixedClock, ...options });
    return store;
  };
  const out = (name: string, text: string) => store.append(name, 'stdout', Buffer.from(text));
  const err = (name: string, text: string) => store.append(name, 'stderr', Buffer.from(text));
  const read = (file: string) => fs.readFileSync(join(dir, file), 'utf8');
  const lineNo = (n: number) => `line-${String(n).padStart(2, '0')}`;

  beforeEach(() => {
    root = fs.mkdtempSync(join(tmpdir(), 'procguard-output-'));
    dir = join(root, 'logs', 'nested');
  });

  afterEach(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('when lines are appended', () => {
    it('writes each line with its timestamp and stream to <dir>/<name>.log', () => {
      open();

      out('web', 'hello\nworld\n');
      err('web', 'oops\n');

      expect(read('web.log')).toBe(`${T} stdout hello\n${T} stdout world\n${T} stderr oops\n`);
    });

    it('creates the directory with mode 0o750 and the file with 0o640 (less the umask)', () => {
      open();
      const umask = process.umask();

      out('web', 'x\n');

      expect(fs.statSync(dir).mode & 0o777).toBe(0o750 & ~umask);
      expect(fs.statSync(join(dir, 'web.log')).mode & 0o777).toBe(0o640 & ~umask);
    });

    it('keeps the output of each process in its own file', () => {
      open();

      out('web', 'from web\n');
      out('worker', 'from worker\n');

      expect(read('web.log')).toBe(`${T} stdout from web\n`);
      expect(read('worker.log')).toBe(`${T} stdout from worker\n`);
    });
  });

  describe('when a line arrives in pieces', () => {
    it('joins the pieces into one line once its newline arrives', () => {
      open();

      out('web', 'hel');
      out('web', 'lo wor');
      expect(fs.existsSync(join(dir, 'web.log'))).toBe(false);
      out('web', 'ld\nnext');

      expect(read('web.log')).toBe(`${T} stdout hello world\n`);
      expect(store.tail('web', 10)).toEqual([`${T} stdout hello world`]);
    });

    it('keeps stdout and stderr pieces apart', () => {
      open();

      out('web', 'a');
      err('web', 'b\n');
      out('web', 'c\n');

      expect(store.tail('web', 10)).toEqual([`${T} stderr b`, `${T} stdout ac`]);
    });

    it('does not break a multi-byte character split across chunks', () => {
      open();
      const bytes = Buffer.from('grüße\n');

      store.append('web', 'stdout', bytes.subarray(0, 3));
      store.append('web', 'stdout', bytes.subarray(3));

      expect(read('web.log')).toBe(`${T} stdout grüße\n`);
    });
  });

  describe('when a write would pass maxBytes', () => {
    it('rotates name.log to name.log.1 … and keeps at most keepFiles rotated files', () => {
      open({ maxBytes: 2 * LINE_BYTES + 20, keepFiles: 2 });

      for (let n = 1; n <= 10; n++) out('web', `${lineNo(n)}\n`);

      expect(fs.readdirSync(dir).sort()).toEqual(['web.log', 'web.log.1', 'web.log.2']);
      expect(read('web.log')).toBe(`${T} stdout line-09\n${T} stdout line-10\n`);
      expect(read('web.log.1')).toBe(`${T} stdout line-07\n${T} stdout line-08\n`);
      expect(read('web.log.2')).toBe(`${T} stdout line-05\n${T} stdout line-06\n`);
    });

    it('never lets a file grow past maxBytes, even for lines from one chunk', () => {
      const maxBytes = 3 * LINE_BYTES;
      open({ maxBytes, keepFiles: 5 });

      out('web', Array.from({ length: 12 }, (_, i) => `${lineNo(i + 1)}\n`).join(''));

      const files = fs.readdirSync(dir);
      expect(files).toHaveLength(4);
      for (const file of files) expect(fs.statSync(join(dir, file)).size).toBeLessThanOrEqual(maxBytes);
      expect(read('web.log')).toContain('line-12');
    });

    it('appends to an existing log and counts its size towards maxBytes', () => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(join(dir, 'web.log'), 'x'.repeat(LINE_BYTES * 2));
      open({ maxBytes: LINE_BYTES * 2 + 10 });

      out('web', `${lineNo(1)}\n`);

      expect(read('web.log.1')).toBe('x'.repeat(LINE_BYTES * 2));
      expect(read('web.log')).toBe(`${T} stdout line-01\n`);
    });
  });

  describe('when tail is asked for', () => {
    it('returns the last N complete lines, oldest first', () => {
      open({ ringLines: 5 });

      for (let n = 1; n <= 8; n++) out('web', `${lineNo(n)}\n`);
      out('web', 'partial');

      expect(store.tail('web', 3)).toEqual([`${T} stdout line-06`, `${T} stdout line-07`, `${T} stdout line-08`]);
    });

    it('clamps the count to 1..ringLines', () => {
      open({ ringLines: 3 });
      for (let n = 1; n <= 5; n++) out('web', `${lineNo(n)}\n`);

      expect(store.tail('web', 100)).toEqual([`${T} stdout line-03`, `${T} stdout line-04`, `${T} stdout line-05`]);
      expect(store.tail('web', 0)).toEqual([`${T} stdout line-05`]);
      expect(store.tail('web', -4)).toEqual([`${T} stdout line-05`]);
    });

    it('returns [] for a process it never saw', () => {
      open();

      expect(store.tail('nobody', 10)).toEqual([]);
    });
  });

  describe('when lines are long or many (memory per process)', () => {
    it('cuts a line past MAX_TAIL_LINE_BYTES in memory, with a marker naming its size, and keeps it whole in the file', () => {
      open();
      const long = 'x'.repeat(64 * 1024);

      out('web', `${long}\n`);

      const [kept] = store.tail('web', 1);
      const original = Buffer.byteLength(`${T} stdout ${long}`);
      expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_TAIL_LINE_BYTES);
      expect(kept.startsWith(`${T} stdout xxx`)).toBe(true);
      expect(kept.endsWith(truncationMarker(original))).toBe(true);
      expect(TRUNCATED_LINE.test(kept)).toBe(true);
      expect(read('web.log')).toBe(`${T} stdout ${long}\n`);
    });

    it('never cuts a multi-byte character in half', () => {
      open();

      out('web', `${'é'.repeat(20_000)}\n`);

      const [kept] = store.tail('web', 1);
      expect(kept).not.toContain('\uFFFD');
      expect(kept.replace(TRUNCATED_LINE, '').endsWith('é')).toBe(true);
      expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_TAIL_LINE_BYTES);
    });

    it('keeps only the newest lines that fit in ringBytes', () => {
      open({ ringLines: 500, ringBytes: 16 * 1024 });

      for (let n = 0; n < 500; n++) out('web', `${String(n).padStart(3, '0')} ${'y'.repeat(1000)}\n`);

      const lines = store.tail('web', 500);
      const bytes = lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
      expect(bytes).toBeLessThanOrEqual(16 * 1024);
      expect(lines.length).toBeGreaterThan(10);
      expect(lines[lines.length - 1]).toContain(' stdout 499 ');
      expect(lines[0]).toContain(` stdout ${String(500 - lines.length).padStart(3, '0')} `);
    });

    it('bounds 500 lines of 64 KiB to the default ring budget', () => {
      open();

      for (let n = 0; n < 500; n++) out('web', `${'z'.repeat(64 * 1024)}\n`);

      const bytes = store.tail('web', 500).reduce((sum, l) => sum + Buffer.byteLength(l), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    });
  });

  describe('when the log path is a symlink', () => {
    it('never writes through it, and tail still works', () => {
      const target = join(root, 'precious.txt');
      fs.writeFileSync(target, 'original\n');
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync(target, join(dir, 'web.log'));
      open();

      expect(() => out('web', 'first\n')).not.toThrow();
      out('web', 'second\n');

      expect(fs.readFileSync(target, 'utf8')).toBe('original\n');
      expect(fs.lstatSync(join(dir, 'web.log')).isSymbolicLink()).toBe(true);
      expect(store.tail('web', 10)).toEqual([`${T} stdout first`, `${T} stdout second`]);
    });

    it('says so once, naming the path, and does not count it as a storage outage', () => {
      const target = join(root, 'precious.txt');
      fs.writeFileSync(target, 'original\n');
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync(target, join(dir, 'web.log'));
      const logged: string[] = [];
      const storage = new StorageHealth({ error: (m: string) => logged.push(m), log: (m: string) => logged.push(m) } as never);
      open({ log: (m) => logged.push(m), storage });

      out('web', 'first\n');
      out('web', 'second\n');
      out('worker', 'fine\n');

      expect(logged).toEqual([expect.stringContaining(`Not writing ${join(dir, 'web.log')} (it is a symbolic link)`)]);
      expect(storage.problems()).toEqual([]);
      expect(read('worker.log')).toBe(`${T} stdout fine\n`);
    });

    it('does not retry the file once it has failed', () => {
      const target = join(root, 'precious.txt');
      fs.writeFileSync(target, 'original\n');
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync(target, join(dir, 'web.log'));
      open();
      out('web', 'first\n');

      fs.unlinkSync(join(dir, 'web.log'));
      out('web', 'second\n');

      expect(fs.existsSync(join(dir, 'web.log'))).toBe(false);
      expect(store.tail('web', 10)).toHaveLength(2);
    });
  });

  describe('when the directory cannot be created', () => {
    it('keeps the lines in memory and does not throw', () => {
      fs.writeFileSync(join(root, 'logs'), 'a file where the directory should be');
      open();

      expect(() => out('web', 'still here\n')).not.toThrow();

      expect(store.tail('web', 1)).toEqual([`${T} stdout still here`]);
    });
  });

  describe('when closed', () => {
    it('flushes partial lines of both streams to the file and the ring', async () => {
      open();
      out('web', 'complete\nno newline');
      err('web', 'half');

      await store.close();

      expect(read('web.log')).toBe(`${T} stdout complete\n${T} stdout no newline\n${T} stderr half\n`);
      expect(store.tail('web', 1)).toEqual([`${T} stderr half`]);
    });
  });

  describe('when a name could leave the directory', () => {
    it.each(['../escape', 'a/b', '..', ''])('refuses %j', (name) => {
      open();

      expect(isSafeLogName(name)).toBe(false);
      expect(() => out(name, 'x\n')).toThrow(/unsafe log name/);
      expect(fs.existsSync(dir)).toBe(false);
    });

    it('accepts a validated process name', () => {
      expect(isSafeLogName('web-1.api_v2')).toBe(true);
    });
  });
});
