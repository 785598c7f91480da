import { jest } from '@jest/globals';
import { InMemoryFileSystem } from '../../lifecycle/infrastructure/testing/in-memory-file-system.js';
import { JsonChildRegistry } from './json-child-registry.adapter.js';

const PATH = '/data/children.json';

const valid = {
  name: 'web-1',
  pid: 500,
  pgid: 500,
  startTime: '123456',
  bootId: '0b7c5f0e-8d5e-4a3c-9d0e-1f2a3b4c5d6e',
  ownerInstanceId: '6f1e2d3c-4b5a-4968-8776-655443322110',
  startedAt: '2026-01-01T00:00:00.000Z',
};

function open(text: string) {
  const fs = new InMemoryFileSystem().addDir('/data').addFile(PATH, text);
  const logs: string[] = [];
  const registry = new JsonChildRegistry(PATH, fs, (message) => logs.push(message));
  return { registry, logs };
}

describe('JsonChildRegistry (reading)', () => {
  describe('when every field of a record is valid', () => {
    it('keeps the record, and only its known fields', () => {
      // Arrange / Act
      const { registry, logs } = open(JSON.stringify({ children: [{ ...valid, extra: 'x'.repeat(1000) }] }));

      // Assert
      expect(registry.list()).toEqual([valid]);
      expect(logs).toEqual([]);
    });

    it('accepts an unknown start time and boot id (null)', () => {
      const { registry } = open(JSON.stringify({ children: [{ ...valid, startTime: null, bootId: null }] }));

      expect(registry.list()).toHaveLength(1);
    });
  });

  describe('when a record has a bad field', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['pgid 0 (our own group)', { pgid: 0 }, '"pgid" must be an integer from 2 to 4194304, got 0'],
      ['pid 1 (init)', { pid: 1, pgid: 1 }, '"pid" must be an integer from 2 to 4194304, got 1'],
      ['a negative pid', { pid: -500, pgid: -500 }, '"pid" must be an integer from 2 to 4194304, got -500'],
      ['a huge pid', { pid: 2 ** 53, pgid: 2 ** 53 }, '"pid" must be an integer from 2 to 4194304, got 9007199254740992'],
      ['a fractional pid', { pid: 1.5 }, '"pid" must be an integer from 2 to 4194304, got 1.5'],
      ['a pid as a string', { pid: '500' }, '"pid" must be an integer from 2 to 4194304, got "500"'],
      ['a pgid that is not the pid', { pgid: 501 }, '"pgid" must equal "pid" (500), got 501'],
      ['an empty name', { name: '' }, '"name" must be a string of 1 to 256 printable characters, got ""'],
      ['a name with a NUL', { name: 'a\u0000b' }, '"name" must be a string of 1 to 256 printable characters, got "a\\u0000b"'],
      ['a start time that is an object', { startTime: {} }, '"startTime" must be a string of 1 to 64 printable characters, got {}'],
      ['a missing owner', { ownerInstanceId: undefined }, '"ownerInstanceId" must be a string of 1 to 128 printable characters, got undefined'],
      ['a date that is not one', { startedAt: 'yesterday' }, '"startedAt" must be an ISO date, got "yesterday"'],
    ])('drops it (%s) with one line naming the field', (_label, fields, reason) => {
      // Arrange / Act
      const { registry, logs } = open(JSON.stringify({ children: [{ ...valid, ...fields }, { ...valid, name: 'web-2', pid: 600, pgid: 600 }] }));

      // Assert
      expect(registry.list().map((r) => r.name)).toEqual(['web-2']);
      expect(logs).toEqual([`${PATH}: dropping children[0]: ${reason}`]);
    });

    it('drops an entry that is not an object', () => {
      const { registry, logs } = open(JSON.stringify({ children: [null, 42, [valid]] }));

      expect(registry.list()).toEqual([]);
      expect(logs).toEqual([0, 1, 2].map((i) => `${PATH}: dropping children[${i}]: is not an object`));
    });
  });

  describe('when the file is not JSON, or not a list of children', () => {
    it.each([
      ['truncated JSON', '{"children": [', 'is not valid JSON'],
      ['JSON null', 'null', 'has no "children" list'],
      ['children that is not a list', '{"children": {"pid": 1}}', 'has no "children" list'],
    ])('starts empty and says so once (%s)', (_label, text, said) => {
      const { registry, logs } = open(text);

      expect(registry.list()).toEqual([]);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toContain(`${PATH} ${said}`);
    });
  });
});

describe('JsonChildRegistry (writing)', () => {
  const other = { ...valid, name: 'web-2', pid: 600, pgid: 600 };
  const onDisk = (fs: InMemoryFileSystem) => (JSON.parse(fs.readText(PATH) ?? '{"children":[]}') as { children: { pid: number }[] }).children.map((r) => r.pid);
  /** The registry writes on a 0 ms timer; one set after it fires after it. */
  const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

  function empty() {
    const fs = new InMemoryFileSystem().addDir('/data');
    const writes = jest.spyOn(fs, 'writeAtomic');
    return { fs, writes, registry: new JsonChildRegistry(PATH, fs) };
  }

  describe('when a record is put', () => {
    it('is in list() at once and on disk by the next turn, not in the middle of a respawn', async () => {
      const { fs, registry } = empty();

      registry.put(valid);

      expect(registry.list().map((r) => r.pid)).toEqual([500]);
      expect(onDisk(fs)).toEqual([]);
      await nextTurn();
      expect(onDisk(fs)).toEqual([500]);
    });

    it("writes after that turn's immediates (the event recorder tells the SSE streams first)", async () => {
      // Arrange: act from a timer callback, as a backoff restart does (an exit or spawn event runs in the poll phase: the same order)
      const { fs, registry } = empty();
      await nextTurn();
      let atImmediate: number[] | null = null;

      // Act
      registry.put(valid);
      setImmediate(() => (atImmediate = onDisk(fs)));
      await nextTurn();

      // Assert
      expect(atImmediate).toEqual([]);
      expect(onDisk(fs)).toEqual([500]);
    });
  });

  describe('when a record is removed and nothing else changes in that turn', () => {
    it('leaves list() at once and the file on the next turn, in one write for every remove of the turn', async () => {
      // Arrange
      const { fs, writes, registry } = empty();
      registry.put(valid);
      registry.put(other);
      await nextTurn();
      writes.mockClear();

      // Act
      registry.remove(valid.name, valid.pid);
      registry.remove(other.name, other.pid);

      // Assert
      expect(registry.list()).toEqual([]);
      expect(onDisk(fs)).toEqual([500, 600]);
      await nextTurn();
      expect(onDisk(fs)).toEqual([]);
      expect(writes).toHaveBeenCalledTimes(1);
    });
  });

  describe('when a put follows a remove in the same turn (a restart after a crash)', () => {
    it('writes both in one write on the next turn', async () => {
      // Arrange
      const { fs, writes, registry } = empty();
      registry.put(valid);
      await nextTurn();
      writes.mockClear();

      // Act
      registry.remove(valid.name, valid.pid);
      registry.put({ ...valid, pid: 700, pgid: 700 });
      await nextTurn();

      // Assert
      expect(onDisk(fs)).toEqual([700]);
      expect(writes).toHaveBeenCalledTimes(1);
    });
  });
});
