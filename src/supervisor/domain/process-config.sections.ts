import {
  BACKOFF_FIELDS,
  DAY_MS,
  DEFAULT_BACKOFF,
  DEFAULT_READINESS,
  DEFAULT_TCP_HOST,
  MAX_BACKOFF_FACTOR,
  MAX_FAILURE_THRESHOLD,
  MAX_PORT,
  PM2_EXP_BACKOFF_FACTOR,
  PM2_EXP_BACKOFF_MAX_DELAY_MS,
  READINESS_FIELDS,
  TCP_TARGET_FIELDS,
} from './process-config.constants.js';
import { describeValue, FieldReader, isConfigObject } from './process-config.fields.js';
import type { BackoffSpec, ProbeTarget, ReadinessSpec } from './process-spec.js';

type DelaySchedule = Pick<BackoffSpec, 'initialDelayMs' | 'factor' | 'maxDelayMs'>;

/**
 * `backoff`, or PM2's `restart_delay` / `exp_backoff_restart_delay` / `min_uptime`; never both
 * for one setting. `minUptimeDefault`: PM2's 1000 ms for an ecosystem file.
 */
export function readBackoff(r: FieldReader, minUptimeDefault: number = DEFAULT_BACKOFF.resetAfterMs): BackoffSpec {
  const section = r.section('backoff', BACKOFF_FIELDS);
  const pm2Delay = readPm2Delay(r);
  if (pm2Delay && section) {
    for (const key of ['initialDelayMs', 'factor', 'maxDelayMs'] as const) {
      if (section.has(key)) r.note(`${section.field(key)} and PM2 "${pm2Delay.from}" both set the restart delay; keep one`);
    }
  }
  if (r.has('min_uptime') && section?.has('resetAfterMs')) {
    r.note(`${section.field('resetAfterMs')} and PM2 "min_uptime" both set the uptime that resets the delay; keep one`);
  }
  const schedule = pm2Delay?.schedule ?? readSchedule(section);
  const resetAfterMs = r.has('min_uptime')
    ? r.pm2Millis('min_uptime', 0, DAY_MS, minUptimeDefault)
    : (section?.millis('resetAfterMs', 0, DAY_MS, minUptimeDefault) ?? minUptimeDefault);
  return Object.freeze({ ...schedule, resetAfterMs });
}

function readSchedule(section: FieldReader | null): DelaySchedule {
  if (!section) return DEFAULT_BACKOFF;
  const initialDelayMs = section.millis('initialDelayMs', 0, DAY_MS, DEFAULT_BACKOFF.initialDelayMs);
  const factor = section.number('factor', 1, MAX_BACKOFF_FACTOR, DEFAULT_BACKOFF.factor);
  // Without an explicit ceiling, a long first delay raises the default one rather than failing.
  const ceiling = Math.max(DEFAULT_BACKOFF.maxDelayMs, initialDelayMs);
  const maxDelayMs = section.millis('maxDelayMs', 0, DAY_MS, ceiling);
  if (maxDelayMs < initialDelayMs) {
    section.fail('maxDelayMs', `must be at least "backoff.initialDelayMs" (${initialDelayMs}), got ${maxDelayMs}`);
    return { initialDelayMs, factor, maxDelayMs: initialDelayMs };
  }
  return { initialDelayMs, factor, maxDelayMs };
}

function readPm2Delay(r: FieldReader): { from: string; schedule: DelaySchedule } | null {
  if (r.has('restart_delay') && r.has('exp_backoff_restart_delay')) {
    r.note('give PM2 "restart_delay" (a fixed delay) or "exp_backoff_restart_delay" (a growing one), not both');
  }
  if (r.has('restart_delay')) {
    const delay = r.millis('restart_delay', 0, DAY_MS, DEFAULT_BACKOFF.initialDelayMs);
    return { from: 'restart_delay', schedule: { initialDelayMs: delay, factor: 1, maxDelayMs: delay } };
  }
  if (r.has('exp_backoff_restart_delay')) {
    const delay = r.millis('exp_backoff_restart_delay', 0, DAY_MS, DEFAULT_BACKOFF.initialDelayMs);
    const maxDelayMs = Math.max(PM2_EXP_BACKOFF_MAX_DELAY_MS, delay);
    return { from: 'exp_backoff_restart_delay', schedule: { initialDelayMs: delay, factor: PM2_EXP_BACKOFF_FACTOR, maxDelayMs } };
  }
  return null;
}

/**
 * `readiness`: exactly one target (`tcp` or `http`) plus timings. `hasPort` says whether the
 * process declares a `port` (valid or not), which `tcp: true` and `{port}` in a URL need.
 */
export function readReadiness(r: FieldReader, hasPort: boolean): ReadinessSpec {
  const section = r.section('readiness', READINESS_FIELDS);
  if (!section) return DEFAULT_READINESS;
  const target = readTarget(section, hasPort);
  return Object.freeze({
    target: Object.freeze(target),
    intervalMs: section.millis('intervalMs', 50, DAY_MS, DEFAULT_READINESS.intervalMs),
    timeoutMs: section.millis('timeoutMs', 10, DAY_MS, DEFAULT_READINESS.timeoutMs),
    failureThreshold: section.wholeNumber('failureThreshold', 1, MAX_FAILURE_THRESHOLD, DEFAULT_READINESS.failureThreshold),
    startupGraceMs: section.millis('startupGraceMs', 0, DAY_MS, DEFAULT_READINESS.startupGraceMs),
  });
}

const NONE: ProbeTarget = { kind: 'none' };

function readTarget(section: FieldReader, hasPort: boolean): ProbeTarget {
  if (section.has('tcp') && section.has('http')) {
    section.note('"readiness" must have one target: "tcp" or "http", not both');
    return NONE;
  }
  if (section.has('tcp')) return readTcp(section, hasPort);
  if (section.has('http')) return readHttp(section, hasPort);
  section.note(
    '"readiness" needs a target: "tcp" (a port, true for the process\'s own "port", or { host, port }) or "http" (a URL)',
  );
  return NONE;
}

function readTcp(section: FieldReader, hasPort: boolean): ProbeTarget {
  const value = section.raw('tcp');
  const ownPort = (host: string): ProbeTarget => {
    if (!hasPort) section.fail('tcp', 'probes the process\'s own port, but the process declares no "port"; add "port" or give the port to probe');
    return { kind: 'tcp', host, port: null };
  };
  if (value === true) return ownPort(DEFAULT_TCP_HOST);
  if (typeof value === 'number') {
    const port = section.wholeNumber('tcp', 1, MAX_PORT, null);
    return port === null ? NONE : { kind: 'tcp', host: DEFAULT_TCP_HOST, port };
  }
  if (!isConfigObject(value)) {
    section.fail('tcp', `must be a port number, true (the process's own "port") or { host, port }, got ${describeValue(value)}`);
    return NONE;
  }
  const tcp = section.section('tcp', TCP_TARGET_FIELDS)!;
  const host = tcp.string('host') ?? DEFAULT_TCP_HOST;
  if (/\s/.test(host)) tcp.fail('host', 'must be a host name or an IP address without spaces');
  if (!tcp.has('port')) return ownPort(host);
  const port = tcp.wholeNumber('port', 1, MAX_PORT, null);
  return port === null ? NONE : { kind: 'tcp', host, port };
}

function readHttp(section: FieldReader, hasPort: boolean): ProbeTarget {
  const url = section.string('http');
  if (url === undefined) return NONE;
  const usesPort = url.includes('{port}');
  if (usesPort && !hasPort) section.fail('http', 'uses {port}, but the process declares no "port"; add "port" or write the port');
  if (!isHttpUrl(url.replaceAll('{port}', '1'))) {
    section.fail('http', `must be an http:// or https:// URL, got ${describeValue(url)}`);
    return NONE;
  }
  return { kind: 'http', url };
}

function isHttpUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const { protocol, hostname } = new URL(text);
    return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
  } catch {
    return false;
  }
}
