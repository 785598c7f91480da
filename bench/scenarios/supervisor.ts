import { spawn } from 'node:child_process';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NodeFileSystem } from '../../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { ProcessUtils } from '../../src/lifecycle/infrastructure/process-utils.js';
import { ProcessManager } from '../../src/supervisor/application/process-manager.service.js';
import type { ProcessEvent } from '../../src/supervisor/application/process-status.js';
import type { ProcessSpec } from '../../src/supervisor/domain/process-spec.js';
import { JsonChildRegistry } from '../../src/supervisor/infrastructure/json-child-registry.adapter.js';
import { NetReadinessProbe } from '../../src/supervisor/infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from '../../src/supervisor/infrastructure/node-process-launcher.adapter.js';
import { LogWriterStore } from '../../src/supervisor/infrastructure/log-writer/log-writer.store.js';
import { LOG_WRITER_ENTRY } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { makeTempDir, withTimeout } from '../lib/util.js';

export interface SupervisorResult {
  /** kill -9 of a child -> its replacement spawned (backoff initial delay 0). */
  readonly respawnMs: readonly number[];
  readonly respawnMedianMs: number;
  /** The floor: a bare `sleep` SIGKILLed, its exit event, and a new one spawned (no wrapper, no registry). */
  readonly bareRespawnMs: readonly number[];
  readonly bareRespawnMedianMs: number;
  /** What a supervisor polling every 5 s would take on average (half the interval). */
  readonly naivePollMeanMs: number;
  readonly stop100Ms: number;
  /** 100 `sleep` processes spawned bare, SIGTERMed and awaited. */
  readonly bareStop100Ms: number;
  readonly statusAll500Us: number;
  /** Copying 500 plain status-like objects: the floor for any statusAll. */
  readonly bareCopy500Us: number;
  readonly bytesPerDeclared: number;
  readonly bytesPerRunning: number;
}

function spec(name: string, instances: number, initialDelayMs = 100): ProcessSpec {
  return {
    name,
    command: 'sleep',
    args: ['3600'],
    shell: false,
    cwd: process.cwd(),
    env: {},
    instances,
    port: null,
    autorestart: 'always',
    backoff: { initialDelayMs, factor: 2, maxDelayMs: 1000, resetAfterMs: 1000 },
    maxRestarts: 1000,
    restartWindowMs: 60000,
    stopExitCodes: [],
    autostart: true,
    instanceVar: 'NODE_APP_INSTANCE',
    incrementVar: null,
    stopSignal: 'SIGTERM',
    killTimeoutMs: 5000,
    readiness: { target: { kind: 'none' }, intervalMs: 1000, timeoutMs: 1000, failureThreshold: 3, startupGraceMs: 0 },
    waitReady: null,
    maxMemoryBytes: null,
    cronRestart: null,
    watch: null,
    dependsOn: [],
  };
}

function manager(dir: string): ProcessManager {
  const output = new LogWriterStore({ dir: join(dir, 'logs'), writerPath: LOG_WRITER_ENTRY });
  const m = new ProcessManager(
    new NodeProcessLauncher(new ProcessUtils(), { output }),
    new NetReadinessProbe(),
    output,
    new JsonChildRegistry(join(dir, 'children.json'), new NodeFileSystem()),
    'bench',
  );
  return m;
}

function nextEvent(m: ProcessManager, match: (e: ProcessEvent) => boolean): Promise<ProcessEvent> {
  return new Promise((resolve) => m.onEvent((e) => match(e) && resolve(e)));
}

async function respawnTimes(runs: number): Promise<number[]> {
  const m = manager(makeTempDir('respawn'));
  m.declare([spec('victim', 1, 0)]);
  await m.start('victim');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { pid } = m.status('victim');
    const spawned = nextEvent(m, (e) => e.to === 'running' && e.pid !== pid);
    const t0 = performance.now();
    process.kill(pid!, 'SIGKILL');
    await withTimeout(spawned, 5000, 'respawn');
    times.push(performance.now() - t0);
  }
  await m.shutdown();
  return times;
}

async function bareRespawnTimes(runs: number): Promise<number[]> {
  const started = () => {
    const child = spawn('sleep', ['3600'], { stdio: 'ignore', detached: true });
    return new Promise<typeof child>((resolve, reject) => child.once('spawn', () => resolve(child)).once('error', reject));
  };
  let child = await started();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const t0 = performance.now();
    process.kill(child.pid!, 'SIGKILL');
    await withTimeout(exited, 5000, 'bare exit');
    child = await withTimeout(started(), 5000, 'bare spawn');
    times.push(performance.now() - t0);
  }
  child.kill('SIGKILL');
  return times;
}

async function stopHundred(): Promise<number> {
  const m = manager(makeTempDir('stop100'));
  m.declare([spec('many', 100)]);
  await m.startAll();
  const t0 = performance.now();
  await m.stopAll('*');
  return performance.now() - t0;
}

async function bareStopHundred(): Promise<number> {
  const children = Array.from({ length: 100 }, () => spawn('sleep', ['3600'], { stdio: 'ignore', detached: true }));
  await Promise.all(children.map((c) => new Promise((r) => c.once('spawn', r))));
  const t0 = performance.now();
  const exits = children.map((c) => new Promise((r) => c.once('exit', r)));
  for (const c of children) process.kill(-c.pid!, 'SIGTERM');
  await Promise.all(exits);
  return performance.now() - t0;
}

function statusAllMicros(m: ProcessManager, iterations: number): number {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    m.statusAll('*');
    samples.push((performance.now() - t0) * 1000);
  }
  return median(samples);
}

function bareCopyMicros(iterations: number): number {
  const items = Array.from({ length: 500 }, (_, i) => ({ name: `p-${i}`, state: 'stopped', pid: null, restarts: 0, lastExit: null }));
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    items.map((item) => ({ ...item, startedAt: null, uptimeSeconds: null }));
    samples.push((performance.now() - t0) * 1000);
  }
  return median(samples);
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export async function benchSupervisor(respawnRuns: number): Promise<SupervisorResult> {
  // The bench measures the supervisor, not Nest's console logger.
  Logger.overrideLogger(false);
  const respawnMs = await respawnTimes(respawnRuns);
  const bareRespawnMs = await bareRespawnTimes(respawnRuns);
  const stop100Ms = await stopHundred();
  const bareStop100Ms = await bareStopHundred();

  const before = heapUsed();
  const declared = manager(makeTempDir('declared'));
  declared.declare([spec('p', 100), spec('q', 100), spec('r', 100), spec('s', 100), spec('t', 100)]);
  const bytesPerDeclared = (heapUsed() - before) / 500;
  const statusAll500Us = statusAllMicros(declared, 2000);

  const running = manager(makeTempDir('running'));
  running.declare([spec('live', 100)]);
  const beforeRunning = heapUsed();
  await running.startAll();
  const bytesPerRunning = (heapUsed() - beforeRunning) / 100;
  await running.stopAll('*');

  return {
    respawnMs,
    respawnMedianMs: median(respawnMs),
    bareRespawnMs,
    bareRespawnMedianMs: median(bareRespawnMs),
    naivePollMeanMs: 2500,
    stop100Ms,
    bareStop100Ms,
    statusAll500Us,
    bareCopy500Us: bareCopyMicros(2000),
    bytesPerDeclared,
    bytesPerRunning,
  };
}
