import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { httpGet } from '../lib/http.js';
import { median, round } from '../lib/stats.js';
import { startBare, startProcguard, type Running } from '../lib/servers.js';
import { delay, makeTempDir, withTimeout } from '../lib/util.js';

export interface LoadShutdownFigures {
  /** Requests answered (any status) over the whole run, and after SIGTERM. */
  readonly completed: number;
  readonly completedAfterSigterm: number;
  readonly non200: number;
  /** Sent, then reset (ECONNRESET / socket hang up / EPIPE): lost requests. */
  readonly resetRequests: number;
  /** Connection attempts refused once the listener closed: nothing was sent. */
  readonly refusedConnections: number;
  readonly timeouts: number;
  readonly otherErrors: Record<string, number>;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  readonly sigtermToExitMs: number;
}

export interface ShutdownResult {
  readonly connections: number;
  readonly loadBeforeSigtermMs: number;
  readonly underLoad: { procguard: LoadShutdownFigures; bare: LoadShutdownFigures };
  readonly idle: { procguard: IdleFigures; bare: IdleFigures };
}

export interface IdleFigures {
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly exitCodes: (number | null)[];
}

const CONNECTIONS = 50;
const LOAD_BEFORE_SIGTERM_MS = 1000;

/** 50 keep-alive connections loop on /api/health/live; SIGTERM after 1 s; count outcomes until exit. */
async function sigtermUnderLoad(server: Running): Promise<LoadShutdownFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let stopped = false;
  let sigtermAt = Number.POSITIVE_INFINITY;
  const counts = { completed: 0, completedAfterSigterm: 0, non200: 0, reset: 0, refused: 0, timeouts: 0 };
  const other: Record<string, number> = {};

  const loop = async () => {
    while (!stopped) {
      try {
        const answer = await httpGet(server.port, '/api/health/live', 2000, agent);
        counts.completed++;
        if (performance.now() >= sigtermAt) counts.completedAfterSigterm++;
        if (answer.status !== 200) counts.non200++;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        if (code === 'ECONNREFUSED') {
          counts.refused++;
          await delay(1);
        } else if (code === 'ECONNRESET' || code === 'EPIPE') counts.reset++;
        else if (code === 'ETIMEDOUT') counts.timeouts++;
        else other[code] = (other[code] ?? 0) + 1;
      }
    }
  };

  const loops = Array.from({ length: CONNECTIONS }, loop);
  try {
    await delay(LOAD_BEFORE_SIGTERM_MS);
    if (server.proc.exit) throw new Error(`${server.proc.label} exited under load before SIGTERM`);
    sigtermAt = performance.now();
    server.proc.signal('SIGTERM');
    let exit;
    try {
      exit = await server.proc.waitExit(15_000);
    } catch {
      server.proc.signal('SIGKILL');
      exit = await server.proc.waitExit(3000);
    }
    stopped = true;
    await withTimeout(Promise.all(loops), 10_000, 'load loops');
    return {
      completed: counts.completed,
      completedAfterSigterm: counts.completedAfterSigterm,
      non200: counts.non200,
      resetRequests: counts.reset,
      refusedConnections: counts.refused,
      timeouts: counts.timeouts,
      otherErrors: other,
      exitCode: exit.code,
      exitSignal: exit.signal,
      sigtermToExitMs: round(exit.at - sigtermAt, 1),
    };
  } finally {
    stopped = true;
    agent.destroy();
  }
}

/** SIGTERM to exit with nothing in flight (readiness probes used their own, closed, connections). */
async function idleStop(start: () => Promise<Running>, reps: number): Promise<IdleFigures> {
  const values: number[] = [];
  const exitCodes: (number | null)[] = [];
  for (let i = 0; i < reps; i++) {
    const server = await start();
    await delay(200);
    const t0 = performance.now();
    const exit = await server.proc.stop(8000);
    exitCodes.push(exit.code);
    values.push(exit.at - t0);
  }
  return { runsMs: values.map((v) => round(v, 1)), medianMs: round(median(values), 1), exitCodes };
}

export async function benchShutdown(idleReps = 3): Promise<ShutdownResult> {
  const startOurs = () => startProcguard(makeTempDir('shutdown'));
  const runLoaded = async (start: () => Promise<Running>) => {
    const server = await start();
    try {
      return await sigtermUnderLoad(server);
    } finally {
      await server.proc.stop(3000);
    }
  };
  const procguardLoaded = await runLoaded(startOurs);
  const bareLoaded = await runLoaded(() => startBare());
  const procguardIdle = await idleStop(startOurs, idleReps);
  const bareIdle = await idleStop(() => startBare(), idleReps);
  return {
    connections: CONNECTIONS,
    loadBeforeSigtermMs: LOAD_BEFORE_SIGTERM_MS,
    underLoad: { procguard: procguardLoaded, bare: bareLoaded },
    idle: { procguard: procguardIdle, bare: bareIdle },
  };
}
