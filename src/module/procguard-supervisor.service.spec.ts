import type { ProcessManager } from '../supervisor/application/process-manager.service.js';
import type { ProcessStatus } from '../supervisor/application/process-status.js';
import type { RollOutcome } from '../supervisor/application/rolling-restart.js';
import { ProcessBusyError, UnknownProcessError } from '../supervisor/domain/supervisor.errors.js';
import { ProcguardSupervisor } from './procguard-supervisor.service.js';

/** The part of ProcessManager the facade calls, recording what it was asked. */
class FakeManager {
  readonly calls: string[] = [];
  names = ['web-0', 'web-1', 'worker'];
  roll: (spec: string) => Promise<RollOutcome> = async (spec) => ({
    spec,
    source: 'api',
    ok: true,
    replaced: ['web-0', 'web-1'],
    skipped: [],
    failed: null,
    untouched: [],
    reason: 'every instance replaced',
  });

  statusAll(pattern = '*'): ProcessStatus[] {
    const re = new RegExp(`^${pattern.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return this.names.filter((n) => re.test(n)).map((name) => ({ name }) as ProcessStatus);
  }

  operatorRestart(name: string): Promise<ProcessStatus> {
    this.calls.push(`restart ${name}`);
    return Promise.resolve({ name } as ProcessStatus);
  }

  rollingRestart(spec: string): Promise<RollOutcome> {
    this.calls.push(`roll ${spec}`);
    return this.roll(spec);
  }
}

describe('ProcguardSupervisor', () => {
  let manager: FakeManager;
  let supervisor: ProcguardSupervisor;
  beforeEach(() => {
    manager = new FakeManager();
    supervisor = new ProcguardSupervisor(manager as unknown as ProcessManager);
  });

  it('restarts each instance a pattern matches, one call each', async () => {
    expect((await supervisor.restart('web-*')).map((s) => s.name)).toEqual(['web-0', 'web-1']);
    expect(manager.calls).toEqual(['restart web-0', 'restart web-1']);
  });

  it('rolls a spec as the API does, resolving with its outcome', async () => {
    await expect(supervisor.rollingRestart('web')).resolves.toMatchObject({ spec: 'web', ok: true, replaced: ['web-0', 'web-1'] });
    expect(manager.calls).toEqual(['roll web']);
  });

  it('rejects with why a roll cannot start (an unknown spec, one already rolling), never throwing', async () => {
    manager.roll = () => {
      throw new UnknownProcessError('nope');
    };
    const refused = supervisor.rollingRestart('nope');
    await expect(refused).rejects.toBeInstanceOf(UnknownProcessError);
    manager.roll = () => Promise.reject(new ProcessBusyError('web', 'in a rolling restart already', 'start another rolling restart of'));
    await expect(supervisor.rollingRestart('web')).rejects.toMatchObject({ code: 'PROCESS_BUSY' });
  });
});
