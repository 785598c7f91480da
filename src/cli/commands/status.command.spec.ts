import type { ProcessStatusView } from '../operator/api-types.js';
import { plain } from '../operator/human-format.js';
import { statusTable } from './status.command.js';

const base: ProcessStatusView = {
  name: 'web-1',
  specName: 'web',
  index: 1,
  state: 'running',
  pid: 4242,
  startedAt: '2026-12-02T02:57:55Z',
  uptimeSeconds: 125,
  restarts: 2,
  lastExit: { code: 1, signal: null, at: '2026-12-02T02:59:30Z' },
  reason: 'started (no readiness probe)',
  nextRestartAt: null,
};

describe('statusTable', () => {
  const now = Date.parse('2026-12-02T03:00:00Z');

  it('shows CPU and memory from the sampled resources, and "-" where there are none (not sampled, or an older backend)', () => {
    const sampled = { ...base, resources: { cpuSeconds: 3.2, cpuPercent: 12.345, rssBytes: 52_428_800, processes: 3, sampledAt: '2026-12-02T02:59:59Z' } };
    const stopped: ProcessStatusView = { ...base, name: 'worker', state: 'stopped', pid: null, uptimeSeconds: null, lastExit: null, reason: null, resources: null };
    const older: ProcessStatusView = { ...base, name: 'legacy', lastExit: { code: null, signal: 'SIGKILL', at: '2026-12-02T02:00:00Z' } };

    const lines = statusTable([sampled, stopped, older], plain, now).trimEnd().split('\n');

    expect(lines).toEqual([
      'NAME    STATE    PID   UPTIME  RESTARTS  CPU    MEMORY    LAST EXIT           REASON',
      'web-1   running  4242  2m 5s   2         12.3%  50.0 MiB  code 1, 30s ago     started (no readiness probe)',
      'worker  stopped  -     -       2         -      -         -                   -',
      'legacy  running  4242  2m 5s   2         -      -         SIGKILL, 1h 0m ago  started (no readiness probe)',
    ]);
  });
});
