import autocannon from 'autocannon';
import { median, round } from '../lib/stats.js';
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
  /** Each round's req/s, in the order run. */
  readonly rounds: readonly number[];
}

export interface EndpointComparison {
  readonly path: string;
  readonly procguard: LoadFigures;
  readonly bare: LoadFigures;
}

export interface ThroughputResult {
  readonly connections: number;
  readonly pipelining: number;
  /** Length of one round; each server gets `rounds` of them, alternating with the other. */
  readonly durationSec: number;
  readonly rounds: number;
  readonly warmupSec: number;
  readonly endpoints: EndpointComparison[];
}

const CONNECTIONS = 50;

async function cannon(url: string, durationSec: number): Promise<autocannon.Result> {
  const instance = autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: durationSec, timeout: 10 });
  return withTimeout(instance, (durationSec + 15) * 1000, `autocannon ${url}`, () => instance.stop());
}

type Round = autocannon.Result;

async function warm(server: Running, path: string, warmupSec: number): Promise<void> {
  await cannon(`http://${HOST}:${server.port}${path}`, warmupSec);
}

async function round1(server: Running, path: string, durationSec: number): Promise<Round> {
  const r = await cannon(`http://${HOST}:${server.port}${path}`, durationSec);
  if (server.proc.exit) throw new Error(`${server.proc.label} exited during the load test. Output:\n${server.proc.output()}`);
  return r;
}

/** The median round: this VM's speed swings between runs (docs/benchmarks.md), so one long run per server says little. */
function figures(server: Running, path: string, rounds: readonly Round[]): LoadFigures {
  const sum = (pick: (r: Round) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    url: `http://${HOST}:${server.port}${path}`,
    requestsPerSec: round(median(rounds.map((r) => r.requests.average)), 0),
    latencyP50Ms: median(rounds.map((r) => r.latency.p50)),
    latencyP99Ms: median(rounds.map((r) => r.latency.p99)),
    totalRequests: sum((r) => r.requests.total),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    rounds: rounds.map((r) => round(r.requests.average, 0)),
  };
}

/**
 * autocannon against procguard and the bare node:http server (each in its own process):
 * `rounds` rounds each, alternating, so both see the same swings of the machine's speed.
 */
export async function benchThroughput(durationSec = 2, rounds = 5, warmupSec = 1): Promise<ThroughputResult> {
  const procguard = await startProcguard(makeTempDir('throughput'));
  let bare: Running | null = null;
  try {
    bare = await startBare();
    const endpoints: EndpointComparison[] = [];
    for (const path of ['/api/health', '/api/health/live']) {
      await warm(procguard, path, warmupSec);
      await warm(bare, path, warmupSec);
      const ours: Round[] = [];
      const theirs: Round[] = [];
      for (let i = 0; i < rounds; i++) {
        ours.push(await round1(procguard, path, durationSec));
        theirs.push(await round1(bare, path, durationSec));
      }
      endpoints.push({ path, procguard: figures(procguard, path, ours), bare: figures(bare, path, theirs) });
    }
    return { connections: CONNECTIONS, pipelining: 1, durationSec, rounds, warmupSec, endpoints };
  } finally {
    await procguard.proc.stop(8000);
    await bare?.proc.stop(5000);
  }
}
