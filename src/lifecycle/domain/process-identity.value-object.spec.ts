import { ProcessIdentity, type ProcessIdentityProps } from './process-identity.value-object.js';

const recorded: ProcessIdentityProps = { pid: 4321, hostname: 'build-box', bootId: 'boot-aaaa', startTime: '123456' };

function live(overrides: Partial<ProcessIdentityProps> = {}): ProcessIdentityProps {
  return { ...recorded, ...overrides };
}

describe('ProcessIdentity', () => {
  describe('when created', () => {
    it('keeps its facts', () => {
      const identity = ProcessIdentity.create(recorded);

      expect(identity).toMatchObject(recorded);
    });

    it.each([0, -1, 1.5, Number.NaN])('rejects pid %p', (pid) => {
      expect(() => ProcessIdentity.create({ ...recorded, pid })).toThrow(/pid must be a positive integer/);
    });
  });

  describe('when compared with the live process', () => {
    const identity = ProcessIdentity.create(recorded);

    it('is the same when pid, host, boot id and start time all match', () => {
      expect(identity.compare(live())).toBe('same');
    });

    it('is the same when neither side knows the boot id but the start times match (no /proc)', () => {
      const noBoot = ProcessIdentity.create({ ...recorded, bootId: null });

      expect(noBoot.compare(live({ bootId: null }))).toBe('same');
    });

    it('is different when the PID is another one', () => {
      expect(identity.compare(live({ pid: 4322 }))).toBe('different');
    });

    it('is different after a reboot (other boot id), even with an equal start time', () => {
      expect(identity.compare(live({ bootId: 'boot-bbbb' }))).toBe('different');
    });

    it('is different when the PID was reused by a later process (other start time)', () => {
      expect(identity.compare(live({ startTime: '999999' }))).toBe('different');
    });

    it.each([
      ['the record has no start time', { ...recorded, startTime: null }, live()],
      ['the live process has no start time', recorded, live({ startTime: null })],
      ['the record is an old one without any facts', { pid: 4321, hostname: '', bootId: null, startTime: null }, live()],
    ])('is unknown when %s', (_label, record, now) => {
      expect(ProcessIdentity.create(record).compare(now)).toBe('unknown');
    });

    it('is unknown when the record comes from another host, whatever the PID table says', () => {
      // Arrange: same pid and start time, but on another machine.
      const now = live({ hostname: 'other-box' });

      // Act
      const verdict = identity.compare(now);

      // Assert
      expect(verdict).toBe('unknown');
    });

    it('is unknown for another host even when the boot ids differ', () => {
      expect(identity.compare(live({ hostname: 'other-box', bootId: 'boot-bbbb' }))).toBe('unknown');
    });

    it('does not treat a record without a hostname as foreign', () => {
      const noHost = ProcessIdentity.create({ ...recorded, hostname: '' });

      expect(noHost.compare(live())).toBe('same');
      expect(noHost.compare(live({ startTime: '1' }))).toBe('different');
    });
  });

  describe('when checked for equality', () => {
    it('is equal to the same facts', () => {
      expect(ProcessIdentity.create(recorded).equals({ ...recorded })).toBe(true);
    });

    it.each<[keyof ProcessIdentityProps, unknown]>([
      ['pid', 1],
      ['hostname', 'other-box'],
      ['bootId', null],
      ['startTime', '1'],
    ])('is not equal when %s differs', (field, value) => {
      expect(ProcessIdentity.create(recorded).equals({ ...recorded, [field]: value })).toBe(false);
    });
  });
});
