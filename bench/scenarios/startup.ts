import { waitFor200 } from '../lib/http.js';
import { median, round } from '../lib/stats.js';
import { nodeNoopMs, spawnNode } from '../lib/procs.js';
import { MAIN, procguardEnv, startBare, startMinimalNest, startProcguard, type Running } from '../lib/servers.js';
import { freePort, makeTempDir } from '../lib/util.js';

export interface Runs {
  readonly runsMs: number[];
  readonly medianMs: number;
}

const runs = (values: number[]): Runs => ({ runsMs: values.map((v) => round(v, 2)), medianMs: round(median(values), 2) });

/** Baseline: `node -e 0` spawn-to-exit (one discarded warm-up). */
export async function benchNodeNoop(reps = 10): Promise<Runs> {
  const values: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const ms = await nodeNoopMs();
    if (i > 0) values.push(ms);
  }
  return runs(values);
}

/** Spawn to first 200 of a baseline server, `reps` times after one discarded warm-up. */
async function startTimes(start: () => Promise<Running>, reps: number): Promise<Runs> {
  const values: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const server = await start();
    await server.proc.stop(5000);
    if (i > 0) values.push(server.readyMs);
  }
  return runs(values);
}

/** Baseline: bare node:http server, spawn to first 200. */
export const benchBareStart = (reps = 5): Promise<Runs> => startTimes(() => startBare(), reps);

/** The framework's floor: the smallest Nest app on Fastify, spawn to first 200. */
export const benchMinimalNestStart = (reps = 5): Promise<Runs> => startTimes(() => startMinimalNest(), reps);

export interface ColdStartResult extends Runs {
  /** The discarded first run, which also creates and migrates the database. */
  readonly firstRunMs: number;
  readonly gracefulExitCodes: (number | null)[];
}

/**
 * Spawn to first 200 from /api/health/ready, one DATA_DIR for the scenario:
 * the first run creates the database and is discarded; each run is stopped
 * with SIGTERM before the next.
 */
export async function benchColdStart(reps = 5): Promise<ColdStartResult> {
  const dataDir = makeTempDir('cold');
  const values: number[] = [];
  const exitCodes: (number | null)[] = [];
  let firstRunMs = Number.NaN;
  for (let i = 0; i <= reps; i++) {
    const instance = await startProcguard(dataDir);
    exitCodes.push((await instance.proc.stop(8000)).code);
    if (i === 0) firstRunMs = round(instance.readyMs, 2);
    else values.push(instance.readyMs);
  }
  return { ...runs(values), firstRunMs, gracefulExitCodes: exitCodes };
}

export interface RecoveryResult extends Runs {
  /** Restarts whose output reported breaking the stale lock. */
  readonly staleLockBroken: number;
}

/** kill -9 a ready instance, spawn the next at once, time it to ready; same DATA_DIR throughout. */
export async function benchRecovery(reps = 5): Promise<RecoveryResult> {
  const dataDir = makeTempDir('recovery');
  let current: Running = await startProcguard(dataDir);
  const values: number[] = [];
  let staleLockBroken = 0;
  try {
    for (let i = 0; i < reps; i++) {
      const killed = current;
      killed.proc.signal('SIGKILL');
      current = await startProcguard(dataDir, 'procguard after kill -9');
      values.push(current.readyMs);
      if (current.proc.printed(/Removing stale instance lock/)) staleLockBroken++;
      await killed.proc.waitExit(5000);
    }
  } finally {
    await current.proc.stop(8000);
  }
  return { ...runs(values), staleLockBroken };
}

export interface DuplicateResult extends Runs {
  readonly exitCodes: (number | null)[];
  readonly holderStillReady: boolean;
}

/** With an instance running, spawn-to-exit of a second one on the same DATA_DIR (must exit 3). */
export async function benchDuplicate(reps = 10): Promise<DuplicateResult> {
  const dataDir = makeTempDir('duplicate');
  const holder = await startProcguard(dataDir, 'procguard holder');
  const values: number[] = [];
  const exitCodes: (number | null)[] = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const port = await freePort();
      const duplicate = spawnNode('duplicate procguard', [MAIN], procguardEnv(dataDir, port));
      let exit;
      try {
        exit = await duplicate.waitExit(10_000);
      } finally {
        duplicate.signal('SIGKILL');
      }
      exitCodes.push(exit.code);
      if (exit.code !== 3) {
        throw new Error(`duplicate exited with ${exit.code ?? exit.signal}, expected 3. Output:\n${duplicate.output()}`);
      }
      if (i > 0) values.push(exit.at - duplicate.spawnedAt);
    }
    const holderStillReady = await waitFor200(holder.port, '/api/health/ready', { proc: holder.proc, timeoutMs: 2000 }).then(
      () => true,
      () => false,
    );
    return { ...runs(values), exitCodes, holderStillReady };
  } finally {
    await holder.proc.stop(8000);
  }
}
