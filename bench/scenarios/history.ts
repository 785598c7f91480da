import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { EventRecorder } from '../../src/history/application/event-recorder.service.js';
import type { StoredEventInput } from '../../src/history/domain/stored-event.js';
import { JsonLinesEventSink } from '../../src/history/infrastructure/json-lines-event.sink.js';
import { SqliteEventStore } from '../../src/history/infrastructure/sqlite-event-store.adapter.js';
import { NodeFileSystem } from '../../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { ProcessUtils } from '../../src/lifecycle/infrastructure/process-utils.js';
import { migrate } from '../../src/persistence/infrastructure/migrations.js';
import { ProcessManager } from '../../src/supervisor/application/process-manager.service.js';
import { Reconciler } from '../../src/supervisor/application/reconciler.js';
import type { ProcessSpec } from '../../src/supervisor/domain/process-spec.js';
import { JsonChildRegistry } from '../../src/supervisor/infrastructure/json-child-registry.adapter.js';
import { NetReadinessProbe } from '../../src/supervisor/infrastructure/net-readiness.probe.js';
import { NodeProcessLauncher } from '../../src/supervisor/infrastructure/node-process-launcher.adapter.js';
import { LogWriterStore } from '../../src/supervisor/infrastructure/log-writer/log-writer.store.js';
import { LOG_WRITER_ENTRY } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';
import { delay, makeTempDir } from '../lib/util.js';

export interface HistoryResult {
  readonly eventsPerSec: number;
  readonly restartsPerSec: number;
  /** Bare spawn -> exit cycles of the same command per second, one at a time. */
  readonly bareCyclesPerSec: number;
  readonly historyP99Ms: number;
  readonly historyP50Ms: number;
  /** p99 of a trivial prepared query on the same connection. */
  readonly trivialQueryP99Ms: number;
  readonly reconcilePassMs: number;
  readonly statusAllMs: number;
}

const crashing = (name: string, instances = 1): ProcessSpec => ({
  name,
  command: 'false',
  args: [],
  shell: false,
  cwd: process.cwd(),
  env: {},
  instances,
  port: null,
  autorestart: 'never',
  backoff: { initialDelayMs: 0, factor: 1, maxDelayMs: 0, resetAfterMs: 60000 },
  maxRestarts: 1_000_000,
  restartWindowMs: 1000,
  stopExitCodes: [],
  autostart: true,
  instanceVar: 'NODE_APP_INSTANCE',
  incrementVar: null,
  stopSignal: 'SIGTERM',
  killTimeoutMs: 1000,
  readiness: { target: { kind: 'none' }, intervalMs: 1000, timeoutMs: 1000, failureThreshold: 3, startupGraceMs: 0 },
  waitReady: null,
  maxMemoryBytes: null,
  cronRestart: null,
  watch: null,
  dependsOn: [],
});

function stack(dir: string) {
  const db = new Database(join(dir, 'app.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const store = new SqliteEventStore(db);
  const recorder = new EventRecorder(store, [new JsonLinesEventSink(join(dir, 'events.jsonl'))], 1000);
  const output = new LogWriterStore({ dir: join(dir, 'logs'), writerPath: LOG_WRITER_ENTRY });
  const manager = new ProcessManager(
    new NodeProcessLauncher(new ProcessUtils(), { output }),
    new NetReadinessProbe(),
    output,
    new JsonChildRegistry(join(dir, 'children.json'), new NodeFileSystem()),
    'bench',
  );
  manager.onEvent((e) => recorder.record({ ...e, backendInstanceId: 'bench' }));
  return { db, store, recorder, manager };
}

async function crashLoop(seconds: number): Promise<{ events: number; restarts: number }> {
  const { db, manager, recorder } = stack(makeTempDir('crashloop'));
  manager.declare([{ ...crashing('looper'), autorestart: 'always' }]);
  await manager.start('looper');
  await delay(seconds * 1000);
  await manager.stop('looper');
  recorder.flush();
  const events = (db.prepare('SELECT COUNT(*) AS n FROM process_events').get() as { n: number }).n;
  const restarts = manager.status('looper').restarts;
  db.close();
  return { events, restarts };
}

async function bareCycles(seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    await new Promise((resolve) => spawn('false', [], { stdio: 'ignore', detached: true }).once('exit', resolve));
    n++;
  }
  return n / seconds;
}

function historyLatency(): { p50: number; p99: number; trivialP99: number } {
  const { db, store } = stack(makeTempDir('history'));
  const event = (name: string, i: number): StoredEventInput => ({
    name, index: 1, from: 'running', to: 'backoff', pid: 1000 + i, exitCode: 1, signal: null,
    reason: 'exited with code 1; restarting in 100 ms (attempt 1)', at: new Date().toISOString(), backendInstanceId: 'bench',
  });
  for (let n = 0; n < 20; n++) store.append(Array.from({ length: 1000 }, (_, i) => event(`p-${n}`, i)));
  const sample = (fn: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      fn();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b);
  };
  const history = sample(() => store.page('p-7', 50, 500));
  const trivial = db.prepare('SELECT 1');
  const baseline = sample(() => trivial.get());
  db.close();
  return { p50: percentile(history, 50), p99: percentile(history, 99), trivialP99: percentile(baseline, 99) };
}

async function reconcileTimes(): Promise<{ pass: number; statusAll: number }> {
  const { manager, db } = stack(makeTempDir('reconcile'));
  manager.declare(Array.from({ length: 5 }, (_, i) => crashing(`r${i}`, 100)));
  const reconciler = new Reconciler(manager, 5000);
  const passes: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t0 = performance.now();
    await reconciler.pass();
    passes.push(performance.now() - t0);
    t0 = performance.now();
    manager.statusAll('*');
    statuses.push(performance.now() - t0);
  }
  db.close();
  return { pass: percentile(passes.sort((a, b) => a - b), 50), statusAll: percentile(statuses.sort((a, b) => a - b), 50) };
}

export async function benchHistory(seconds: number): Promise<HistoryResult> {
  Logger.overrideLogger(false);
  const loop = await crashLoop(seconds);
  const bare = await bareCycles(seconds);
  const latency = historyLatency();
  const reconcile = await reconcileTimes();
  return {
    eventsPerSec: loop.events / seconds,
    restartsPerSec: loop.restarts / seconds,
    bareCyclesPerSec: bare,
    historyP50Ms: latency.p50,
    historyP99Ms: latency.p99,
    trivialQueryP99Ms: latency.trivialP99,
    reconcilePassMs: reconcile.pass,
    statusAllMs: reconcile.statusAll,
  };
}
