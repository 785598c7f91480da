import { ProcessUtils, type LiveProcess } from '../../lifecycle/infrastructure/process-utils.js';
import { formatMarker, OWNER_VARIABLE, type OwnerMarker } from './owner-marker.js';
import { ProcStrayFinder } from './proc-stray-finder.adapter.js';

const KEY = '0123456789abcdef';
const SELF: Omit<OwnerMarker, 'name'> = { dataDirKey: KEY, instanceId: 'me', backendPid: 100, backendStartTime: '1000' };
const DEAD_OWNER: Omit<OwnerMarker, 'name'> = { dataDirKey: KEY, instanceId: 'crashed', backendPid: 90, backendStartTime: '900' };

/** A process table the test writes: pid → (ppid, start time, environment). */
class FakeProcessTable extends ProcessUtils {
  readonly table = new Map<number, { ppid: number; startTime: string; environ: string[] }>();
  readonly sent: { pid: number; signal: string }[] = [];

  constructor() {
    super('linux');
  }

  add(pid: number, environ: string[], fields: { ppid?: number; startTime?: string } = {}): void {
    this.table.set(pid, { ppid: fields.ppid ?? 1, startTime: fields.startTime ?? `t${pid}`, environ });
  }

  override pids(): number[] {
    return [...this.table.keys()];
  }

  override environOf(pid: number): string[] | null {
    return this.table.get(pid)?.environ ?? null;
  }

  override inspect(pid: number): LiveProcess | null {
    const p = this.table.get(pid);
    return p ? { pid, ppid: p.ppid, hostname: 'h', bootId: 'b', startTime: p.startTime } : null;
  }

  override signal(pid: number, signal: NodeJS.Signals | 0): boolean {
    this.sent.push({ pid, signal: String(signal) });
    return true;
  }
}

function marked(owner: Omit<OwnerMarker, 'name'>, name = 'web'): string[] {
  return ['PATH=/usr/bin', `${OWNER_VARIABLE}=${formatMarker({ ...owner, name })}`];
}

function setup() {
  const table = new FakeProcessTable();
  table.add(SELF.backendPid, [], { startTime: SELF.backendStartTime });
  return { table, finder: new ProcStrayFinder(table, SELF, 'linux') };
}

describe('ProcStrayFinder', () => {
  describe('when a process carries this data directory’s marker from a backend that is gone', () => {
    it('finds it, with the name and start time it has now', () => {
      // Arrange
      const { table, finder } = setup();
      table.add(500, marked(DEAD_OWNER, 'web-1'));

      // Act / Assert
      expect(finder.find()).toEqual([{ pid: 500, startTime: 't500', name: 'web-1', ownerInstanceId: 'crashed' }]);
    });
  });

  describe('when a process is not provably a stray', () => {
    it.each<[string, string[]]>([
      ['no marker', ['PATH=/usr/bin']],
      ['another data directory', marked({ ...DEAD_OWNER, dataDirKey: 'fedcba9876543210' })],
      ['this backend’s own child', marked(SELF)],
      ['a malformed marker', [`${OWNER_VARIABLE}=${KEY}:crashed:not-a-pid:900:web`]],
      ['the marker’s name only in another variable', [`OTHER=${OWNER_VARIABLE}=${formatMarker({ ...DEAD_OWNER, name: 'web' })}`]],
    ])('leaves it out (%s)', (_label, environ) => {
      const { table, finder } = setup();
      table.add(500, environ);

      expect(finder.find()).toEqual([]);
    });

    it('leaves out the children of a backend that still runs', () => {
      const { table, finder } = setup();
      table.add(DEAD_OWNER.backendPid, [], { startTime: DEAD_OWNER.backendStartTime });
      table.add(500, marked(DEAD_OWNER));

      expect(finder.find()).toEqual([]);
    });

    it('still finds them when the owner’s PID now names another process', () => {
      const { table, finder } = setup();
      table.add(DEAD_OWNER.backendPid, [], { startTime: 'someone else' });
      table.add(500, marked(DEAD_OWNER));

      expect(finder.find().map((s) => s.pid)).toEqual([500]);
    });

    it('leaves out a marked ancestor of this backend', () => {
      const { table, finder } = setup();
      table.add(50, marked(DEAD_OWNER));
      table.table.get(SELF.backendPid)!.ppid = 50;

      expect(finder.find()).toEqual([]);
    });
  });

  describe('when it is about to signal', () => {
    it('signals a stray that is still the same process', () => {
      const { table, finder } = setup();
      table.add(500, marked(DEAD_OWNER));
      const [stray] = finder.find();

      expect(finder.signal(stray, 'SIGTERM')).toBe(true);
      expect(table.sent).toEqual([{ pid: 500, signal: 'SIGTERM' }]);
    });

    it.each<[string, (table: FakeProcessTable) => void]>([
      ['the PID was reused (another start time)', (t) => t.add(500, marked(DEAD_OWNER), { startTime: 'later' })],
      ['the PID was reused by an unmarked process with the same start time', (t) => t.add(500, ['PATH=/usr/bin'])],
      ['the process is gone', (t) => t.table.delete(500)],
    ])('signals nothing when %s', (_label, change) => {
      const { table, finder } = setup();
      table.add(500, marked(DEAD_OWNER));
      const [stray] = finder.find();
      change(table);

      expect(finder.signal(stray, 'SIGKILL')).toBe(false);
      expect(table.sent).toEqual([]);
    });
  });

  describe('when the platform has no /proc', () => {
    it('is unsupported and finds nothing', () => {
      const table = new FakeProcessTable();
      table.add(500, marked(DEAD_OWNER));
      const finder = new ProcStrayFinder(table, SELF, 'darwin');

      expect(finder.supported).toBe(false);
      expect(finder.find()).toEqual([]);
    });
  });
});
