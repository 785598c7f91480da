import autocannon from 'autocannon';
import { round } from '../lib/stats.js';
import { startBare, startProcguard, type Running } from '../lib/servers.js';
import { HOST, makeTempDir, withTimeout } from '../lib/util.js';

export interface LoadFigures {
  readonly url: string;
  readonly requestsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly totalRequests: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

export interface EndpointComparison {
  readonly path: string;
  readonly procguard: LoadFigures;
  readonly bare: LoadFigures;
}

export interface ThroughputResult {
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly endpoints: EndpointComparison[];
}

const CONNECTIONS = 50;

async function cannon(url: string, durationSec: number): Promise<autocannon.Result> {
  const instance = autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: durationSec, timeout: 10 });
  return withTimeout(instance, (durationSec + 15) * 1000, `autocannon ${url}`, () => instance.stop());
}

async function load(server: Running, path: string, durationSec: number, warmupSec: number): Promise<LoadFigures> {
  const url = `http://${HOST}:${server.port}${path}`;
  await cannon(url, warmupSec);
  const r = await cannon(url, durationSec);
  if (server.proc.exit) throw new Error(`${server.proc.label} exited during the load test. Output:\n${server.proc.output()}`);
  return {
    url,
    requestsPerSec: round(r.requests.average, 0),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    totalRequests: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

/** autocannon against procguard and the bare node:http server (each in its own process), alternating. */
export async function benchThroughput(durationSec = 5, warmupSec = 1): Promise<ThroughputResult> {
  const procguard = await startProcguard(makeTempDir('throughput'));
  let bare: Running | null = null;
  try {
    bare = await startBare();
    const endpoints: EndpointComparison[] = [];
    for (const path of ['/api/health', '/api/health/live']) {
      const ours = await load(procguard, path, durationSec, warmupSec);
      const theirs = await load(bare, path, durationSec, warmupSec);
      endpoints.push({ path, procguard: ours, bare: theirs });
    }
    return { connections: CONNECTIONS, pipelining: 1, durationSec, warmupSec, endpoints };
  } finally {
    await procguard.proc.stop(8000);
    await bare?.proc.stop(5000);
  }
}
