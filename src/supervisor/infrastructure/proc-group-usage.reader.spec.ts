import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcGroupUsageReader } from './proc-group-usage.reader.js';

/** A /proc/<pid>/stat line as the kernel writes it (fields 1-52); only the ones read here vary. */
function statLine(pid: number, comm: string, o: { state?: string; pgrp: number; utime: number; stime: number; rss: number }): string {
  const fields = Array.from({ length: 52 }, () => '0');
  fields[0] = String(pid);
  fields[1] = `(${comm})`;
  fields[2] = o.state ?? 'S';
  fields[3] = '1';
  fields[4] = String(o.pgrp);
  fields[13] = String(o.utime);
  fields[14] = String(o.stime);
  fields[23] = String(o.rss);
  return `${fields.join(' ')}\n`;
}

describe('ProcGroupUsageReader', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
    mkdirSync(join(root, 'self'));
    writeFileSync(join(root, 'uptime'), '1.0 1.0\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function proc(pid: number, comm: string, o: Parameters<typeof statLine>[2]): void {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'stat'), statLine(pid, comm, o));
  }

  it('sums each asked group from one stat line per process, in seconds and bytes', () => {
    // Arrange: clock ticks 100, pages of 4 KiB.
    proc(100, 'node', { pgrp: 100, utime: 150, stime: 50, rss: 256 });
    proc(101, 'worker (1) x', { pgrp: 100, utime: 10, stime: 0, rss: 1024 });
    proc(200, 'other', { pgrp: 200, utime: 999, stime: 999, rss: 999 });
    const reader = new ProcGroupUsageReader({ procRoot: root, clockTicks: 100, pageSize: 4096 });

    // Act
    const groups = reader.read(new Set([100, 300]));

    // Assert
    expect(groups).toEqual(
      new Map([
        [
          100,
          [
            { pid: 100, cpuSeconds: 2, rssBytes: 1048576 },
            { pid: 101, cpuSeconds: 0.1, rssBytes: 4194304 },
          ],
        ],
      ]),
    );
  });

  it('leaves out zombies, excluded helpers, unparsable lines and processes gone mid-pass', () => {
    // Arrange
    proc(100, 'node', { pgrp: 100, utime: 100, stime: 0, rss: 1 });
    proc(101, 'zombie', { pgrp: 100, state: 'Z', utime: 5, stime: 5, rss: 0 });
    proc(102, 'sh', { pgrp: 100, utime: 1, stime: 1, rss: 50 });
    mkdirSync(join(root, '103'));
    writeFileSync(join(root, '103', 'stat'), 'garbage without a parenthesis');
    mkdirSync(join(root, '104')); // exited: its directory is there, its stat is not
    proc(105, 'bad', { pgrp: 100, utime: Number.NaN, stime: 0, rss: 1 });
    const reader = new ProcGroupUsageReader({ procRoot: root, clockTicks: 100, pageSize: 4096, exclude: () => new Set([102]) });

    // Act
    const groups = reader.read(new Set([100]));

    // Assert
    expect(groups?.get(100)).toEqual([{ pid: 100, cpuSeconds: 1, rssBytes: 4096 }]);
  });

  it('answers null where there is no /proc to read, and an empty map when asked for nothing', () => {
    expect(new ProcGroupUsageReader({ procRoot: join(root, 'missing') }).read(new Set([1]))).toBeNull();
    expect(new ProcGroupUsageReader({ platform: 'darwin' }).read(new Set([1]))).toBeNull();
    expect(new ProcGroupUsageReader({ procRoot: root }).read(new Set())).toEqual(new Map());
  });

  it('reads this very process from the real /proc with the real clock tick and page size', () => {
    const pgid = ownPgid();
    const me = new ProcGroupUsageReader().read(new Set([pgid]))?.get(pgid)?.find((m) => m.pid === process.pid);
    expect(me?.rssBytes).toBeGreaterThan(10 * 1048576);
    // Within a factor of two of what Node itself says (rss moves between the two reads).
    expect(me!.rssBytes / process.memoryUsage().rss).toBeGreaterThan(0.5);
    expect(me!.rssBytes / process.memoryUsage().rss).toBeLessThan(2);
    expect(me!.cpuSeconds).toBeGreaterThan(0);
    expect(me!.cpuSeconds).toBeLessThanOrEqual((process.cpuUsage().user + process.cpuUsage().system) / 1e6 + 0.1);
  });
});

/** Field 5 of our own stat line. */
function ownPgid(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}
