import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PrometheusMetrics } from '../../src/metrics/infrastructure/prometheus-metrics.js';
import type { ProcessStatus } from '../../src/supervisor/application/process-status.js';
import { ResourceSampler } from '../../src/supervisor/application/resource-sampler.js';
import { ProcGroupUsageReader } from '../../src/supervisor/infrastructure/proc-group-usage.reader.js';
import { httpGet, waitFor200 } from '../lib/http.js';
import { spawnNode } from '../lib/procs.js';
import { MAIN, procguardEnv } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { delay, freePort, makeTempDir, withTimeout } from '../lib/util.js';

export interface MetricsResult {
  readonly instances: number;
  /** Processes in /proc during the pass (the 500 sleeps and everything else on the machine). */
  readonly procEntries: number;
  /** One ResourceSampler pass over 500 watched groups (one read of /proc/<pid>/stat per process), median. */
  readonly samplePassMs: number;
  /** The baseline: one bare readdir('/proc'), median. */
  readonly readdirMs: number;
  /** The floor of any per-process scan: readdir + open/read/close of every /proc/<pid>/stat, nothing parsed, median. */
  readonly bareStatReadsMs: number;
  /** PrometheusMetrics.render() in-process with 500 synthetic running instances (no HTTP, no backend load), median. */
  readonly renderMs: number;
  /** Heap growth over 200 passes with 500 watches: sampling must not grow with time. */
  readonly heapGrowthBytes: number;
  /** GET /api/metrics of a real backend supervising 500 `sleep` instances (all sampled), median over keep-alive requests. */
  readonly scrapeMs: number;
  readonly scrapeBytes: number;
  /** GET /api/health/live of the same backend in the same run, median. */
  readonly liveMs: number;
}

const INSTANCES = 500;

function medianOf(runs: number, work: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    work();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** 500 `sleep`s, each the leader of its own process group, as the supervisor's children are. */
async function sleepers(count: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () => spawn('sleep', ['3600'], { stdio: 'ignore', detached: true }));
  await Promise.all(children.map((c) => new Promise((resolve, reject) => c.once('spawn', resolve).once('error', reject))));
  return children;
}

async function killAll(children: readonly ChildProcess[]): Promise<void> {
  const exits = children.map((c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('exit', resolve))));
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await withTimeout(Promise.all(exits), 10_000, 'the sleeps to exit');
}

async function samplingPass(): Promise<Pick<MetricsResult, 'procEntries' | 'samplePassMs' | 'readdirMs' | 'bareStatReadsMs' | 'heapGrowthBytes'>> {
  const children = await sleepers(INSTANCES);
  try {
    const sampler = new ResourceSampler(new ProcGroupUsageReader(), { intervalMs: 3_600_000 });
    children.forEach((c, i) => sampler.watch(`sleep-${i}`, c.pid!));
    sampler.sampleNow(); // getconf, and a warm page cache
    const samplePassMs = medianOf(30, () => sampler.sampleNow());
    if (sampler.usageOf('sleep-0')?.processes !== 1) throw new Error(`a sleep's group was not found: ${JSON.stringify(sampler.usageOf('sleep-0'))}`);
    const readdirMs = medianOf(30, () => readdirSync('/proc'));
    const buffer = Buffer.allocUnsafe(4096);
    const bareStatReadsMs = medianOf(30, () => {
      for (const entry of readdirSync('/proc')) {
        if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
        try {
          const fd = openSync(`/proc/${entry}/stat`, 'r');
          readSync(fd, buffer, 0, 4096, 0);
          closeSync(fd);
        } catch {
          // gone
        }
      }
    });
    const before = heapUsed();
    for (let i = 0; i < 200; i++) sampler.sampleNow();
    const heapGrowthBytes = heapUsed() - before;
    sampler.stop();
    return { procEntries: readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length, samplePassMs, readdirMs, bareStatReadsMs, heapGrowthBytes };
  } finally {
    await killAll(children);
  }
}

async function scrape(): Promise<Pick<MetricsResult, 'scrapeMs' | 'scrapeBytes' | 'liveMs'>> {
  const dataDir = makeTempDir('metrics');
  // At most 100 instances per declaration: five of 100.
  const specs = Array.from({ length: INSTANCES / 100 }, (_, i) => `  - name: sleep-${i}\n    command: sleep\n    args: ["3600"]\n    instances: 100\n    killTimeoutMs: 1000\n`);
  writeFileSync(join(dataDir, 'bench-processes.yaml'), `processes:\n${specs.join('')}`);
  // Started here, not by startProcguard: spawning 500 children on one core can take longer than its 20 s.
  const port = await freePort();
  const server = { port, proc: spawnNode('procguard (500 sleep instances)', [MAIN], procguardEnv(dataDir, port)) };
  await waitFor200(port, '/api/health/live', { proc: server.proc, intervalMs: 100, timeoutMs: 120_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Every instance running and sampled (the sampler runs every 2 s), so the scrape carries every series.
    const deadline = performance.now() + 180_000;
    for (;;) {
      const { body } = await httpGet(server.port, '/api/processes', 10_000, agent);
      const processes = (JSON.parse(body) as { processes: { state: string; resources: unknown }[] }).processes;
      if (processes.length === INSTANCES && processes.every((p) => p.state === 'running' && p.resources !== null)) break;
      if (performance.now() > deadline) throw new Error('500 instances were not all running and sampled within 180 s');
      await delay(250);
    }
    const timed = async (path: string, runs: number) => {
      const samples: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const answer = await httpGet(server.port, path, 10_000, agent);
        samples.push(performance.now() - t0);
        if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
        bytes = answer.body.length;
      }
      return { ms: median(samples), bytes };
    };
    await timed('/api/metrics', 3); // warm-up
    // Interleaved, so both see the same machine load.
    const scrapes: number[] = [];
    const lives: number[] = [];
    let scrapeBytes = 0;
    for (let i = 0; i < 20; i++) {
      const s = await timed('/api/metrics', 1);
      scrapes.push(s.ms);
      scrapeBytes = s.bytes;
      lives.push((await timed('/api/health/live', 1)).ms);
    }
    return { scrapeMs: median(scrapes), scrapeBytes, liveMs: median(lives) };
  } finally {
    agent.destroy();
    await server.proc.stop(30_000).catch(() => server.proc.signal('SIGKILL'));
  }
}

/** The registry alone, driven in-process: what a scrape costs without HTTP or a busy backend around it. */
async function renderInProcess(): Promise<number> {
  const statuses: ProcessStatus[] = Array.from({ length: INSTANCES }, (_, i) => ({
    name: `sleep-${Math.floor(i / 100)}-${(i % 100) + 1}`,
    specName: `sleep-${Math.floor(i / 100)}`,
    index: (i % 100) + 1,
    state: 'running',
    pid: 10_000 + i,
    startedAt: new Date().toISOString(),
    uptimeSeconds: 60,
    restarts: 0,
    lastExit: { code: 0, signal: null, at: new Date().toISOString() },
    reason: 'started (no readiness probe)',
    nextRestartAt: null,
    resources: { cpuSeconds: 0.01, cpuPercent: 0, rssBytes: 1048576, processes: 1, sampledAt: new Date().toISOString() },
  }));
  const metrics = new PrometheusMetrics({ version: 'bench', instanceId: 'bench', lockHeld: () => true, processes: { statusAll: () => statuses, onEvent: () => undefined } });
  for (let i = 0; i < 5; i++) await metrics.render();
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    await metrics.render();
    samples.push(performance.now() - t0);
  }
  metrics.close();
  return median(samples);
}

/** Row 11: the resource sampler over 500 process groups, and a /api/metrics scrape with 500 instances. */
export async function benchMetrics(): Promise<MetricsResult> {
  const pass = await samplingPass();
  const renderMs = await renderInProcess();
  const scraped = await scrape();
  return { instances: INSTANCES, ...pass, renderMs, ...scraped };
}
