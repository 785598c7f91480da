import { InstanceMetadata, type InstanceMetadataProps } from './instance-metadata.value-object.js';

function validProps(): InstanceMetadataProps {
  return {
    pid: 4321,
    instanceId: 'instance-1',
    state: 'running',
    startedAt: '2024-05-01T10:00:00.000Z',
    uptime: 12.5,
    memoryUsage: { heapUsed: 10, heapTotal: 20, external: 3, rss: 40 },
    nodeVersion: 'v20.11.1',
    timestamp: '2024-05-01T10:00:12.500Z',
  };
}

describe('InstanceMetadata', () => {
  describe('when created from valid props', () => {
    it('keeps every value', () => {
      const metadata = InstanceMetadata.create(validProps());

      expect({ ...metadata, memoryUsage: { ...metadata.memoryUsage } }).toEqual(validProps());
    });

    it('is frozen, memory usage included', () => {
      const metadata = InstanceMetadata.create(validProps());

      expect(Object.isFrozen(metadata)).toBe(true);
      expect(Object.isFrozen(metadata.memoryUsage)).toBe(true);
    });

    it('does not follow later changes to the memory usage object it was given', () => {
      // Arrange
      const props = validProps();
      const memoryUsage = { ...props.memoryUsage };
      const metadata = InstanceMetadata.create({ ...props, memoryUsage });

      // Act
      memoryUsage.heapUsed = 999;

      // Assert
      expect(metadata.memoryUsage.heapUsed).toBe(10);
    });

    it('accepts an uptime of zero', () => {
      expect(InstanceMetadata.create({ ...validProps(), uptime: 0 }).uptime).toBe(0);
    });

    it('serialises to plain JSON without secrets', () => {
      const json = JSON.parse(JSON.stringify(InstanceMetadata.create(validProps()))) as Record<string, unknown>;

      expect(Object.keys(json).sort()).toEqual(
        ['instanceId', 'memoryUsage', 'nodeVersion', 'pid', 'startedAt', 'state', 'timestamp', 'uptime'].sort(),
      );
    });
  });

  describe('when a value is invalid', () => {
    it.each<[string, Partial<InstanceMetadataProps>, RegExp]>([
      ['pid 0', { pid: 0 }, /pid/],
      ['a negative pid', { pid: -1 }, /pid/],
      ['a fractional pid', { pid: 1.5 }, /pid/],
      ['an empty instance id', { instanceId: '' }, /instanceId/],
      ['a negative uptime', { uptime: -0.1 }, /uptime/],
      ['a NaN uptime', { uptime: Number.NaN }, /uptime/],
    ])('rejects %s', (_label, change, message) => {
      expect(() => InstanceMetadata.create({ ...validProps(), ...change })).toThrow(message);
    });
  });

  describe('when compared with equals', () => {
    it('is equal to the same values', () => {
      expect(InstanceMetadata.create(validProps()).equals(validProps())).toBe(true);
    });

    it.each<[string, (p: InstanceMetadataProps) => InstanceMetadataProps]>([
      ['pid', (p) => ({ ...p, pid: 1 })],
      ['instanceId', (p) => ({ ...p, instanceId: 'other' })],
      ['state', (p) => ({ ...p, state: 'stopping' })],
      ['startedAt', (p) => ({ ...p, startedAt: '2024-05-01T10:00:01.000Z' })],
      ['uptime', (p) => ({ ...p, uptime: 13 })],
      ['nodeVersion', (p) => ({ ...p, nodeVersion: 'v22.0.0' })],
      ['timestamp', (p) => ({ ...p, timestamp: '2024-05-01T10:00:13.000Z' })],
      ['memoryUsage.heapUsed', (p) => ({ ...p, memoryUsage: { ...p.memoryUsage, heapUsed: 11 } })],
      ['memoryUsage.heapTotal', (p) => ({ ...p, memoryUsage: { ...p.memoryUsage, heapTotal: 21 } })],
      ['memoryUsage.external', (p) => ({ ...p, memoryUsage: { ...p.memoryUsage, external: 4 } })],
      ['memoryUsage.rss', (p) => ({ ...p, memoryUsage: { ...p.memoryUsage, rss: 41 } })],
    ])('is not equal when %s differs', (_field, change) => {
      expect(InstanceMetadata.create(validProps()).equals(change(validProps()))).toBe(false);
    });
  });
});
