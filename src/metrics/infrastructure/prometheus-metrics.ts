import { constants } from 'node:os';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProbeObservations } from '../../supervisor/application/probe-observations.js';
import type { ProcessEvent, ProcessStatus } from '../../supervisor/application/process-status.js';
import { MANAGED_STATES } from '../../supervisor/domain/managed-process-state.js';
import type { HttpRequestObservation, IHttpRequestObserver } from '../application/ports/http-request-observer.port.js';
import type { IMetricsExposition } from '../application/ports/metrics-exposition.port.js';
import { RestartCounter } from '../application/restart-counter.js';

/** What the metrics read; each part is absent when its feature is off. */
export interface MetricsSources {
  readonly version: string;
  readonly instanceId: string;
  /** True while this instance holds the data directory's lock (and the shared lock, if any). */
  readonly lockHeld: () => boolean;
  readonly processes?: {
    statusAll(): ProcessStatus[];
    onEvent(listener: (event: ProcessEvent) => void): void;
  } | null;
  readonly probes?: ProbeObservations | null;
  /** Events the event log wrote so far; null without the history. */
  readonly eventsWritten?: () => number | null;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PROBE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Methods kept as they are; anything else (a client's invention) is `OTHER`, so the label stays bounded. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** prom-client default metrics that are gauges with a `_total` suffix, against Prometheus' naming rules. */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
/** The route label of a request no route matched (a 404, or one refused before routing). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * procguard's Prometheus metrics, on a Registry of its own (a host's prom-client default
 * registry never collides with it). Instance figures are read at scrape time by `collect()`
 * from the supervisor's state (the resource sampler's last pass, never a /proc read per
 * scrape), so nothing is counted twice; only what happens between scrapes (restarts,
 * probe checks, HTTP requests) is counted as it happens. Labels are instance names, states,
 * routes and methods: never PIDs or raw URLs.
 */
export class PrometheusMetrics implements IMetricsExposition, IHttpRequestObserver {
  readonly registry = new Registry();
  private readonly restarts = new RestartCounter();
  private readonly probeDuration: Histogram<'name'>;
  private readonly probeFailures: Counter<'name'>;
  /** Names that have probe series, so a name a reload removed loses them. */
  private readonly probed = new Set<string>();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private unsubscribeProbes: (() => void) | null = null;
  /** One statusAll per scrape, shared by every instance metric's collect(). */
  private snapshot: { at: number; statuses: ProcessStatus[] } | null = null;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters (promtool refuses them); nodejs_active_handles etc. say the same.
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    new Gauge({
      name: 'procguard_instance_info',
      help: 'This procguard instance: version and instance id (always 1).',
      labelNames: ['version', 'instance_id'],
      registers,
      collect() {
        this.reset();
        this.set({ version: sources.version, instance_id: sources.instanceId }, 1);
      },
    });
    new Gauge({
      name: 'procguard_lock_held',
      help: '1 while this instance holds its data directory lock (and the shared lock, if configured), else 0.',
      registers,
      collect() {
        this.set(sources.lockHeld() ? 1 : 0);
      },
    });
    new Counter({
      name: 'procguard_events_written_total',
      help: 'Process lifecycle events written to the event log since start (0 without the history feature).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.eventsWritten?.() ?? 0);
      },
    });
    this.httpDuration = new Histogram({
      name: 'procguard_http_request_duration_seconds',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.probeDuration = new Histogram({
      name: 'procguard_readiness_probe_duration_seconds',
      help: 'Readiness probe checks of each instance, by duration.',
      labelNames: ['name'],
      buckets: PROBE_BUCKETS,
      registers,
    });
    this.probeFailures = new Counter({
      name: 'procguard_readiness_probe_failures_total',
      help: 'Readiness probe checks of each instance that failed.',
      labelNames: ['name'],
      registers,
    });
    if (sources.probes) {
      this.unsubscribeProbes = sources.probes.subscribe((check) => {
        this.probed.add(check.name);
        this.probeDuration.observe({ name: check.name }, check.seconds);
        // Present from the first check on, so rate() sees the first failure.
        this.probeFailures.inc({ name: check.name }, check.ok ? 0 : 1);
      });
    }
    if (sources.processes) {
      sources.processes.onEvent((event) => this.restarts.onEvent(event));
      this.instanceMetrics(registers);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = null;
    }
  }

  observe(request: HttpRequestObservation): void {
    try {
      const method = METHODS.has(request.method) ? request.method : 'OTHER';
      const route = request.route ?? UNMATCHED_ROUTE;
      this.httpDuration.observe({ method, route, status_code: String(request.statusCode) }, Math.max(0, request.seconds));
    } catch {
      // A metric must never fail a request.
    }
  }

  /** Stops listening to the probes (the module is closing). */
  close(): void {
    this.unsubscribeProbes?.();
    this.unsubscribeProbes = null;
  }

  private instanceMetrics(registers: Registry[]): void {
    const statuses = () => this.statuses();
    const each = (value: (s: ProcessStatus) => number | null) => () => {
      const values: Sample[] = [];
      for (const s of statuses()) {
        const v = value(s);
        if (v !== null) values.push({ labels: { name: s.name }, value: v });
      }
      return values;
    };
    family(Gauge, registers, 'procguard_process_state', 'State of each supervised instance: 1 for its current state, 0 for the others.', ['name', 'state'], () => {
      const values: Sample[] = [];
      for (const s of statuses()) for (const state of MANAGED_STATES) values.push({ labels: { name: s.name, state }, value: s.state === state ? 1 : 0 });
      return values;
    });
    family(Gauge, registers, 'procguard_process_up', '1 while the instance is running (ready), else 0.', ['name'], each((s) => (s.state === 'running' ? 1 : 0)));
    family(
      Counter,
      registers,
      'procguard_process_restarts_total',
      'Restarts of each instance since the backend started: every start after its first (by the supervisor, an operator or the reconciler).',
      ['name'],
      () => {
        const current = statuses();
        const names = new Set(current.map((s) => s.name));
        this.restarts.keepOnly(names);
        this.pruneProbes(names);
        return current.map((s) => ({ labels: { name: s.name }, value: this.restarts.restartsOf(s.name) }));
      },
    );
    family(Gauge, registers, 'procguard_process_uptime_seconds', "Seconds since the instance's current child started; absent while it has none.", ['name'], each((s) => s.uptimeSeconds));
    family(
      Gauge,
      registers,
      'procguard_process_last_exit_code',
      "Exit code of the instance's last child (128 + signal number when a signal ended it); absent before any exit.",
      ['name'],
      each(exitCode),
    );
    family(
      Counter,
      registers,
      'procguard_process_cpu_seconds_total',
      "CPU time (user + system) of the instance's whole process group since its child started, from the last sample.",
      ['name'],
      each((s) => s.resources?.cpuSeconds ?? null),
    );
    family(
      Gauge,
      registers,
      'procguard_process_resident_memory_bytes',
      "Resident memory summed over the instance's whole process group, from the last sample.",
      ['name'],
      each((s) => s.resources?.rssBytes ?? null),
    );
    family(
      Gauge,
      registers,
      'procguard_process_group_processes',
      "Live processes in the instance's process group, from the last sample.",
      ['name'],
      each((s) => s.resources?.processes ?? null),
    );
  }

  /** The statuses of this scrape: read once, however many metrics ask (render() clears it). */
  private statuses(): ProcessStatus[] {
    const now = Date.now();
    if (!this.snapshot || now - this.snapshot.at > 1000) this.snapshot = { at: now, statuses: this.sources.processes?.statusAll() ?? [] };
    return this.snapshot.statuses;
  }

  private pruneProbes(names: ReadonlySet<string>): void {
    for (const name of this.probed) {
      if (names.has(name)) continue;
      this.probed.delete(name);
      this.probeDuration.remove({ name });
      this.probeFailures.remove({ name });
    }
  }
}

type Sample = { labels: Record<string, string>; value: number };

/**
 * A gauge or counter family whose samples are computed at scrape time, straight from the
 * supervisor's state, instead of a set() per label set: with 500 instances that is 3,500
 * state samples, and prom-client's per-call label hashing made the scrape tens of ms.
 * The registry formats it as any other metric.
 */
function family(
  kind: typeof Gauge | typeof Counter,
  registers: Registry[],
  name: string,
  help: string,
  labelNames: string[],
  samples: () => Sample[],
): void {
  const metric = new kind({ name, help, labelNames, registers });
  const type = kind === Counter ? 'counter' : 'gauge';
  metric.get = (async () => ({ name, help, type, values: samples(), aggregator: 'sum' })) as unknown as typeof metric.get;
}

function exitCode(status: ProcessStatus): number | null {
  const exit = status.lastExit;
  if (!exit) return null;
  if (exit.code !== null) return exit.code;
  const signal = exit.signal === null ? undefined : (constants.signals as Record<string, number | undefined>)[exit.signal];
  return signal === undefined ? null : 128 + signal;
}
