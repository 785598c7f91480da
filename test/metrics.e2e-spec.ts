import { spawnSync } from 'node:child_process';
import { cleanup, freePort, getJson, waitFor } from './support/harness.js';
import { fixture, post, startBackend, type Backend } from './support/supervisor-harness.js';

// GET /api/metrics of a real backend with real agents: the exposition parsed line by line,
// checked by promtool, and values that move when an agent restarts; resources in
// /api/processes for a child whose memory is held by its own child.

const TOKEN = 'metrics-test-token-0123456789';
const SECRET = 'do-not-leak-this-value-42';
const MiB = 1048576;

/** /usr/bin/promtool, from the Debian `prometheus` package (.ci/run installs it). */
const PROMTOOL = '/usr/bin/promtool';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

/** The text format, version 0.0.4: `# HELP`, `# TYPE` and sample lines; anything else fails the test. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const labelText = sample[2] ?? '';
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
    let consumed = 0;
    for (let m = labelPattern.exec(labelText); m; m = labelPattern.exec(labelText)) {
      labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = labelPattern.lastIndex;
    }
    if (consumed !== labelText.length) throw new Error(`bad labels in ${JSON.stringify(line)}`);
    // As Go's ParseFloat reads it (the format says so): NaN and Inf in any case. prom-client writes
    // `Nan` for an event loop lag mean with no samples yet (two scrapes in quick succession).
    const word = sample[3].toLowerCase();
    const value = word === 'nan' ? NaN : /^[+-]?inf(inity)?$/.test(word) ? (word.startsWith('-') ? -Infinity : Infinity) : Number(sample[3]);
    if (Number.isNaN(value) && word !== 'nan') throw new Error(`bad value in ${JSON.stringify(line)}`);
    samples.push({ name: sample[1], labels, value });
  }
  return { types, samples };
}

function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return exposition.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(backend: Backend): Promise<{ status: number; contentType: string | null; text: string; exposition: Exposition }> {
  const res = await fetch(`http://127.0.0.1:${backend.port}/api/metrics`);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), text, exposition: parseExposition(text) };
}

function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`${PROMTOOL} could not run (install the Debian package prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const config = (webPort: number) => `
processes:
  - name: web
    command: node
    args: ["${fixture('hangable-server.mjs')}"]
    port: ${webPort}
    readiness: { tcp: true, intervalMs: 100, startupGraceMs: 10000 }
  - name: hog
    command: node
    args: ["${fixture('pm2/memory-hog.mjs')}"]
  - name: sleeper
    command: node
    args: ["${fixture('sleeper.mjs')}"]
    env:
      SECRET_VALUE: "${SECRET}"
    killTimeoutMs: 2000
    backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 100, resetAfterMs: 60000 }
`;

describe('GET /api/metrics', () => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await startBackend(config(await freePort()), { API_TOKEN: TOKEN });
    await waitFor(async () => {
      const { body } = await getJson(backend.port, '/api/processes');
      return body.processes.every((p: { state: string; resources: unknown }) => p.state === 'running' && p.resources !== null);
    }, 'both agents to run and be sampled', 30_000);
  });

  afterAll(cleanup);

  it('answers the Prometheus text format without a token, and promtool finds no problem in it', async () => {
    // Arrange: a 404 and a routed request first, so the HTTP histogram has both kinds.
    await getJson(backend.port, '/api/processes/hog');
    await getJson(backend.port, '/api/no-such-route');

    // Act
    const { status, contentType, text } = await scrape(backend);
    const check = promtool(text);

    // Assert
    expect(status).toBe(200);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it('shows the instance, its agents and its HTTP routes, with bounded labels: names, never PIDs or raw URLs', async () => {
    // Arrange
    const { body } = await getJson(backend.port, '/api/processes');
    const pids = body.processes.map((p: { pid: number }) => String(p.pid));
    await getJson(backend.port, '/api/processes/sleeper');
    await getJson(backend.port, '/api/no-such-route');
    const health = await getJson(backend.port, '/api/health');

    // Act
    const { exposition } = await scrape(backend);

    // Assert
    const { types } = exposition;
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('procguard_process_state')).toBe('gauge');
    expect(types.get('procguard_process_restarts_total')).toBe('counter');
    expect(types.get('procguard_process_cpu_seconds_total')).toBe('counter');
    expect(types.get('procguard_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('procguard_readiness_probe_duration_seconds')).toBe('histogram');
    const info = exposition.samples.find((s) => s.name === 'procguard_instance_info');
    expect(info).toEqual({ name: 'procguard_instance_info', labels: { version: '0.1.0', instance_id: health.body.instanceId }, value: 1 });
    expect(valueOf(exposition, 'procguard_lock_held')).toBe(1);
    expect(valueOf(exposition, 'procguard_events_written_total')).toBeGreaterThanOrEqual(4);
    expect(valueOf(exposition, 'procguard_readiness_probe_duration_seconds_count', { name: 'web' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(exposition, 'procguard_readiness_probe_failures_total', { name: 'web' })).toBeGreaterThanOrEqual(0);
    for (const name of ['web', 'hog', 'sleeper']) {
      expect(valueOf(exposition, 'procguard_process_state', { name, state: 'running' })).toBe(1);
      expect(valueOf(exposition, 'procguard_process_state', { name, state: 'stopped' })).toBe(0);
      expect(valueOf(exposition, 'procguard_process_up', { name })).toBe(1);
      expect(valueOf(exposition, 'procguard_process_uptime_seconds', { name })).toBeGreaterThan(0);
    }
    expect(valueOf(exposition, 'procguard_http_request_duration_seconds_count', { method: 'GET', route: '/api/processes/:name', status_code: '200' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(exposition, 'procguard_http_request_duration_seconds_count', { route: '(unmatched)', status_code: '404' })).toBeGreaterThanOrEqual(1);
    const labelValues = exposition.samples.flatMap((s) => Object.entries(s.labels));
    expect(labelValues.filter(([key]) => key === 'route').map(([, v]) => v)).not.toContain('/api/processes/hog');
    for (const [key, value] of labelValues) {
      if (key === 'le' || key === 'instance_id' || key === 'version' || key === 'status_code') continue;
      expect(pids).not.toContain(value);
    }
  });

  it('tells nothing secret: no token, no agent environment, no command line', async () => {
    const { text } = await scrape(backend);

    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('memory-hog.mjs');
  });

  it('moves when an agent restarts: the restart counter gains one, the last exit is recorded, the state gauges switch', async () => {
    // Arrange
    const before = (await scrape(backend)).exposition;
    const restartsBefore = valueOf(before, 'procguard_process_restarts_total', { name: 'sleeper' });
    const { body: first } = await getJson(backend.port, '/api/processes/sleeper');

    // Act: killed from outside, as a crash; the supervisor restarts it.
    process.kill(first.pid, 'SIGKILL');
    const restarted = await waitFor(async () => {
      const { body } = await getJson(backend.port, '/api/processes/sleeper');
      return body.state === 'running' && body.pid !== first.pid ? body : null;
    }, 'sleeper to be restarted', 30_000);
    const afterCrash = (await scrape(backend)).exposition;
    const stopped = await post(backend, '/api/processes/sleeper/stop', { authorization: `Bearer ${TOKEN}` });
    const afterStop = (await scrape(backend)).exposition;

    // Assert
    expect(restarted.pid).not.toBe(first.pid);
    expect(restartsBefore).toBe(0);
    expect(valueOf(afterCrash, 'procguard_process_restarts_total', { name: 'sleeper' })).toBe(1);
    expect(valueOf(afterCrash, 'procguard_process_last_exit_code', { name: 'sleeper' })).toBe(128 + 9);
    expect(valueOf(afterCrash, 'procguard_process_state', { name: 'sleeper', state: 'running' })).toBe(1);
    expect(stopped.status).toBe(200);
    expect(valueOf(afterStop, 'procguard_process_state', { name: 'sleeper', state: 'stopped' })).toBe(1);
    expect(valueOf(afterStop, 'procguard_process_state', { name: 'sleeper', state: 'running' })).toBe(0);
    expect(valueOf(afterStop, 'procguard_process_up', { name: 'sleeper' })).toBe(0);
    expect(valueOf(afterStop, 'procguard_process_uptime_seconds', { name: 'sleeper' })).toBeUndefined();
    expect(valueOf(afterStop, 'procguard_process_resident_memory_bytes', { name: 'sleeper' })).toBeUndefined();
    expect(valueOf(afterStop, 'procguard_process_restarts_total', { name: 'sleeper' })).toBe(1);
    expect(valueOf(afterStop, 'procguard_events_written_total')).toBeGreaterThan(valueOf(before, 'procguard_events_written_total')!);
  });

  it('shows the memory a grandchild holds in the instance resources and in the metrics', async () => {
    // Act: the sampler runs every 2 s; the grandchild allocates 120 MiB once it has started.
    const hog = await waitFor(async () => {
      const { body } = await getJson(backend.port, '/api/processes/hog');
      return body.resources?.rssBytes > 120 * MiB ? body : null;
    }, 'the hog group to show its grandchild memory', 30_000);
    const { exposition } = await scrape(backend);

    // Assert
    const { resources } = hog;
    expect(resources.processes).toBe(2);
    // Two Node processes and a 120 MiB buffer: well above 120 MiB, well below a GiB.
    expect(resources.rssBytes).toBeLessThan(1024 * MiB);
    expect(resources.cpuSeconds).toBeGreaterThan(0);
    expect(resources.cpuSeconds).toBeLessThan(hog.uptimeSeconds * 4 + 1);
    expect(resources.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(Date.parse(resources.sampledAt)).toBeGreaterThan(Date.parse(hog.startedAt));
    expect(valueOf(exposition, 'procguard_process_resident_memory_bytes', { name: 'hog' })).toBeGreaterThan(120 * MiB);
    expect(valueOf(exposition, 'procguard_process_group_processes', { name: 'hog' })).toBe(2);
    expect(valueOf(exposition, 'procguard_process_cpu_seconds_total', { name: 'hog' })).toBeGreaterThan(0);
  });
});
