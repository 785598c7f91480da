import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ProcessBusyError } from '../domain/supervisor.errors.js';
import { ProcessManager } from './process-manager.service.js';
import type { ProcessEvent } from './process-status.js';
import { FakeLauncher, FakeProbe, InMemoryChildRegistry, InMemoryOutputStore, specOf } from './testing/fakes.js';

// Rolling restarts through the manager, on fake children that become ready (wait_ready) when the test says.

const SPEC = specOf({ name: 'web', instances: 3, waitReady: { timeoutMs: 1000 }, killTimeoutMs: 100 });

async function setup() {
  const launcher = new FakeLauncher();
  const manager = new ProcessManager(launcher, new FakeProbe(), new InMemoryOutputStore(), new InMemoryChildRegistry(), 'instance-7');
  manager.declare([SPEC]);
  const events: ProcessEvent[] = [];
  manager.onEvent((e) => events.push(e));
  const latest = (name: string) => launcher.children.filter((c) => c.request.name === name).at(-1)!;
  await jest.advanceTimersByTimeAsync(0);
  void manager.startAll();
  await jest.advanceTimersByTimeAsync(0);
  for (const name of ['web-1', 'web-2', 'web-3']) latest(name).sendReady();
  await jest.advanceTimersByTimeAsync(0);
  const down = () => manager.statusAll().filter((s) => s.state !== 'running').length;
  return { launcher, manager, events, latest, down };
}

describe('rolling restart (ProcessManager with fake children)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));
  beforeEach(() => jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('replaces one instance at a time: the next stops only once the last replacement is ready', async () => {
    const { manager, latest, down, events } = await setup();
    const before = ['web-1', 'web-2', 'web-3'].map((n) => latest(n).pid);
    let maxDown = 0;
    manager.onEvent(() => (maxDown = Math.max(maxDown, down())));

    const roll = manager.rollingRestart('web');
    for (const name of ['web-1', 'web-2', 'web-3']) {
      await jest.advanceTimersByTimeAsync(0);
      // The new one is starting; nothing after it has been touched.
      expect(manager.status(name).state).toBe('starting');
      expect(down()).toBe(1);
      await jest.advanceTimersByTimeAsync(500);
      expect(down()).toBe(1);
      latest(name).sendReady();
    }
    const outcome = await roll;

    expect(outcome).toMatchObject({ ok: true, replaced: ['web-1', 'web-2', 'web-3'], failed: null, untouched: [] });
    expect(maxDown).toBe(1);
    expect(['web-1', 'web-2', 'web-3'].map((n) => manager.status(n).pid)).not.toEqual(expect.arrayContaining(before));
    const stops = events.filter((e) => e.to === 'stopping').map((e) => e.name);
    expect(stops).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('stops at a replacement that never sends ready (listen_timeout): the rest keep their children, the outcome and an event say so', async () => {
    const { manager, latest, events } = await setup();
    const web3 = latest('web-3').pid;

    const roll = manager.rollingRestart('web');
    await jest.advanceTimersByTimeAsync(0);
    latest('web-1').sendReady();
    await jest.advanceTimersByTimeAsync(0);
    // web-2's replacement never sends ready.
    await jest.advanceTimersByTimeAsync(1200);
    const outcome = await roll;

    expect(outcome).toMatchObject({ ok: false, replaced: ['web-1'], failed: { name: 'web-2' }, untouched: ['web-3'] });
    expect(outcome.failed!.reason).toMatch(/did not become ready \(backoff: did not send 'ready' within 1000 ms \(listen_timeout\)/);
    expect(manager.status('web-3')).toMatchObject({ state: 'running', pid: web3 });
    expect(events.some((e) => e.name === 'web-2' && e.from === e.to && /rolling restart of "web" \(api\) stopped: web-2/.test(e.reason))).toBe(true);
  });

  it('refuses a second roll of the same spec while one runs, and one once shutdown has begun', async () => {
    const { manager, latest } = await setup();
    const roll = manager.rollingRestart('web');
    await jest.advanceTimersByTimeAsync(0);

    expect(() => manager.rollingRestart('web')).toThrow(ProcessBusyError);

    for (const name of ['web-1', 'web-2', 'web-3']) {
      latest(name).sendReady();
      await jest.advanceTimersByTimeAsync(0);
    }
    await roll;
    const shutdown = manager.shutdown();
    expect(() => manager.rollingRestart('web')).toThrow(ProcessBusyError);
    await jest.advanceTimersByTimeAsync(1000);
    await shutdown;
  });

  it('leaves an instance an operator stopped stopped', async () => {
    const { manager, latest } = await setup();
    await manager.operatorStop('web-2');

    const roll = manager.rollingRestart('web');
    await jest.advanceTimersByTimeAsync(0);
    latest('web-1').sendReady();
    await jest.advanceTimersByTimeAsync(0);
    latest('web-3').sendReady();
    const outcome = await roll;

    expect(outcome).toMatchObject({ ok: true, replaced: ['web-1', 'web-3'], skipped: ['web-2'] });
    expect(manager.status('web-2').state).toBe('stopped');
  });
});
