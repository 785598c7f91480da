import type { ProcessEvent, ProcessStatus } from '../../supervisor/application/process-status.js';
import { ProbeObservations } from '../../supervisor/application/probe-observations.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

function status(name: string, fields: Partial<ProcessStatus> = {}): ProcessStatus {
  return {
    name,
    specName: name,
    index: 1,
    state: 'running',
    pid: 4242,
    startedAt: '2024-01-01T00:00:00.000Z',
    uptimeSeconds: 12.5,
    restarts: 0,
    lastExit: null,
    reason: null,
    nextRestartAt: null,
    resources: { cpuSeconds: 1.25, cpuPercent: 3, rssBytes: 5 * 1048576, processes: 2, sampledAt: '2024-01-01T00:00:10.000Z' },
    ...fields,
  };
}

function setup(statuses: ProcessStatus[]) {
  const listeners: ((event: ProcessEvent) => void)[] = [];
  const probes = new ProbeObservations();
  const current = { statuses };
  const metrics = new PrometheusMetrics({
    version: '9.9.9',
    instanceId: 'instance-1',
    lockHeld: () => true,
    processes: { statusAll: () => current.statuses, onEvent: (l) => listeners.push(l) },
    probes,
    eventsWritten: () => 7,
  });
  const emit = (name: string, to: ProcessEvent['to']) =>
    listeners.forEach((l) => l({ name, index: 1, from: 'stopped', to, pid: null, exitCode: null, signal: null, reason: '', at: '' }));
  const lines = async () => (await metrics.render()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return { metrics, probes, current, emit, lines };
}

describe('PrometheusMetrics', () => {
  it('reads every instance figure from the statuses at scrape time', async () => {
    // Arrange
    const { lines } = setup([status('web'), status('job', { state: 'backoff', uptimeSeconds: null, resources: null, lastExit: { code: null, signal: 'SIGKILL', at: '' } })]);

    // Act
    const out = await lines();

    // Assert
    expect(out).toEqual(
      expect.arrayContaining([
        'procguard_instance_info{version="9.9.9",instance_id="instance-1"} 1',
        'procguard_lock_held 1',
        'procguard_events_written_total 7',
        'procguard_process_state{name="web",state="running"} 1',
        'procguard_process_state{name="web",state="backoff"} 0',
        'procguard_process_state{name="job",state="backoff"} 1',
        'procguard_process_up{name="web"} 1',
        'procguard_process_up{name="job"} 0',
        'procguard_process_uptime_seconds{name="web"} 12.5',
        'procguard_process_last_exit_code{name="job"} 137',
        'procguard_process_cpu_seconds_total{name="web"} 1.25',
        'procguard_process_resident_memory_bytes{name="web"} 5242880',
        'procguard_process_group_processes{name="web"} 2',
      ]),
    );
    expect(out.filter((l) => l.includes('name="job"') && /uptime|cpu_seconds|resident/.test(l))).toEqual([]);
    expect(out.join('\n')).not.toContain('4242');
  });

  it('counts restarts from the events and forgets instances a reload removed, with their probe series', async () => {
    // Arrange
    const { lines, emit, probes, current } = setup([status('web'), status('gone')]);
    emit('web', 'starting');
    emit('web', 'starting');
    probes.record({ name: 'gone', seconds: 0.002, ok: false });
    probes.record({ name: 'web', seconds: 0.003, ok: true });
    const before = await lines();

    // Act
    current.statuses = [status('web')];
    await lines(); // the prune happens during this scrape
    const after = await lines();

    // Assert
    expect(before).toEqual(expect.arrayContaining(['procguard_process_restarts_total{name="web"} 1', 'procguard_readiness_probe_failures_total{name="gone"} 1']));
    expect(after).toContain('procguard_readiness_probe_failures_total{name="web"} 0');
    expect(after.filter((l) => l.includes('"gone"'))).toEqual([]);
  });

  it('labels HTTP requests by method, route template and status, with invented methods and unrouted requests folded', async () => {
    // Arrange
    const { metrics, lines } = setup([]);

    // Act
    metrics.observe({ method: 'GET', route: '/api/processes/:name', statusCode: 200, seconds: 0.004 });
    metrics.observe({ method: 'BREW', route: null, statusCode: 404, seconds: 0.001 });
    metrics.observe({ method: 'GET', route: null, statusCode: 421, seconds: -1 });
    const out = await lines();

    // Assert
    expect(out).toEqual(
      expect.arrayContaining([
        'procguard_http_request_duration_seconds_count{method="GET",route="/api/processes/:name",status_code="200"} 1',
        'procguard_http_request_duration_seconds_count{method="OTHER",route="(unmatched)",status_code="404"} 1',
        'procguard_http_request_duration_seconds_sum{method="GET",route="(unmatched)",status_code="421"} 0',
      ]),
    );
  });

  it('renders 500 instances, each with every state, in one scrape', async () => {
    const { metrics } = setup(Array.from({ length: 500 }, (_, i) => status(`w-${i}`)));
    const text = await metrics.render();
    expect(text.match(/^procguard_process_state\{/gm)).toHaveLength(500 * 7);
    expect(text.match(/^procguard_process_up\{/gm)).toHaveLength(500);
  });
});
