import { jest } from '@jest/globals';
import { ResourceSampler } from './resource-sampler.js';
import { FakeGroupUsageReader } from './testing/fakes.js';

const T0 = new Date('2024-01-01T00:00:00.000Z');
const MiB = 1048576;

describe('ResourceSampler', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('reads every watched group in one pass per tick, however many instances there are', async () => {
    // Arrange
    const reader = new FakeGroupUsageReader();
    const sampler = new ResourceSampler(reader, { intervalMs: 2000 });
    for (let i = 0; i < 500; i++) {
      reader.setGroup(1000 + i, MiB, 0);
      sampler.watch(`w-${i}`, 1000 + i);
    }

    // Act
    await jest.advanceTimersByTimeAsync(2000);

    // Assert
    expect(reader.reads).toBe(1);
    expect(sampler.usageOf('w-499')).toMatchObject({ rssBytes: MiB, processes: 1 });
  });

  it('sums the group, and counts CPU per member so a member that exits takes nothing back', () => {
    // Arrange
    const reader = new FakeGroupUsageReader();
    const sampler = new ResourceSampler(reader);
    sampler.watch('web', 100);
    reader.groups.set(100, [
      { pid: 100, cpuSeconds: 1, rssBytes: 10 * MiB },
      { pid: 101, cpuSeconds: 3, rssBytes: 20 * MiB },
    ]);
    jest.setSystemTime(T0.getTime() + 2000);
    sampler.sampleNow();
    const first = sampler.usageOf('web');

    // Act: 101 exits; 100 used 0.5 s more; a new member 102 used 0.25 s.
    reader.groups.set(100, [
      { pid: 100, cpuSeconds: 1.5, rssBytes: 10 * MiB },
      { pid: 102, cpuSeconds: 0.25, rssBytes: 5 * MiB },
    ]);
    jest.setSystemTime(T0.getTime() + 4000);
    sampler.sampleNow();

    // Assert
    expect(first).toEqual({ cpuSeconds: 4, cpuPercent: 200, rssBytes: 30 * MiB, processes: 2, sampledAt: '2024-01-01T00:00:02.000Z' });
    expect(sampler.usageOf('web')).toEqual({ cpuSeconds: 4.75, cpuPercent: 37.5, rssBytes: 15 * MiB, processes: 2, sampledAt: '2024-01-01T00:00:04.000Z' });
  });

  it('counts a reused PID whose CPU time restarted as new, never negative', () => {
    const reader = new FakeGroupUsageReader();
    const sampler = new ResourceSampler(reader);
    sampler.watch('web', 100);
    reader.groups.set(100, [{ pid: 100, cpuSeconds: 5, rssBytes: MiB }, { pid: 150, cpuSeconds: 9, rssBytes: MiB }]);
    sampler.sampleNow();
    reader.groups.set(100, [{ pid: 100, cpuSeconds: 5, rssBytes: MiB }, { pid: 150, cpuSeconds: 1, rssBytes: MiB }]);
    sampler.sampleNow();
    expect(sampler.usageOf('web')?.cpuSeconds).toBe(15);
  });

  it('starts again from zero for a new child of the same name, and an old unwatch leaves the new watch', () => {
    // Arrange
    const reader = new FakeGroupUsageReader();
    const sampler = new ResourceSampler(reader);
    const unwatchOld = sampler.watch('web', 100);
    reader.setGroup(100, MiB, 7);
    sampler.sampleNow();

    // Act
    sampler.watch('web', 200);
    unwatchOld();
    reader.setGroup(200, 2 * MiB, 1);
    sampler.sampleNow();

    // Assert
    expect(sampler.usageOf('web')).toMatchObject({ cpuSeconds: 1, rssBytes: 2 * MiB });
    expect(sampler.size).toBe(1);
  });

  it('reports an empty group as zero processes, and holds nothing once every watch is gone', async () => {
    // Arrange
    const reader = new FakeGroupUsageReader();
    const sampler = new ResourceSampler(reader, { intervalMs: 1000 });
    const unwatch = sampler.watch('web', 100);
    sampler.sampleNow();
    const empty = sampler.usageOf('web');

    // Act
    unwatch();
    await jest.advanceTimersByTimeAsync(5000);

    // Assert
    expect(empty).toMatchObject({ processes: 0, rssBytes: 0, cpuSeconds: 0 });
    expect(sampler.usageOf('web')).toBeNull();
    expect(reader.reads).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never throws out of a failing reader or listener, and tells the error once per outage', async () => {
    // Arrange
    const reader = new FakeGroupUsageReader();
    const errors: unknown[] = [];
    const sampler = new ResourceSampler(reader, { intervalMs: 1000, onError: (e) => errors.push(e) });
    sampler.watch('web', 100, () => {
      throw new Error('listener broke');
    });
    reader.failWith = new Error('EMFILE');

    // Act
    await jest.advanceTimersByTimeAsync(3000);
    reader.failWith = null;
    reader.setGroup(100, MiB);
    await jest.advanceTimersByTimeAsync(1000);

    // Assert
    expect(errors.map((e) => (e as Error).message)).toEqual(['EMFILE', 'listener broke']);
    expect(sampler.usageOf('web')).toMatchObject({ rssBytes: MiB });
  });

  it('knows nothing where the reader cannot read (no /proc)', () => {
    const reader = new FakeGroupUsageReader();
    reader.unsupported = true;
    const sampler = new ResourceSampler(reader);
    sampler.watch('web', 100);
    sampler.sampleNow();
    expect(sampler.usageOf('web')).toBeNull();
  });
});
