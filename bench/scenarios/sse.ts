import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { migrate } from '../../src/persistence/infrastructure/migrations.js';
import { httpGet, waitFor200 } from '../lib/http.js';
import { Proc } from '../lib/procs.js';
import { MAIN, procguardEnv } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';
import { delay, freePort, HOST, makeTempDir } from '../lib/util.js';

export interface SsePhase {
  readonly liveP50Ms: number;
  readonly liveP99Ms: number;
  readonly liveMaxMs: number;
  readonly liveRequests: number;
  /** Requests with no answer within LIVE_TIMEOUT_MS (counted at that time in the percentiles). */
  readonly liveTimeouts: number;
  readonly peakRssMiB: number;
}

export interface SseResult {
  readonly storedEvents: number;
  readonly clients: number;
  readonly sampleSec: number;
  /** The same server, same store, no SSE client. */
  readonly baseline: SsePhase;
  readonly withClients: SsePhase;
  /** From the end of the sampling phase to the first slow-client drop in the server's log. */
  readonly slotFreedAfterMs: number | null;
}

function fill(dataDir: string, count: number): void {
  const db = new Database(join(dataDir, 'app.db'));
  db.pragma('journal_mode = WAL');
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO process_events (name, instance_index, from_state, to_state, pid, exit_code, signal, reason, at, backend_instance_id)
     VALUES (?, 1, 'running', 'backoff', ?, 1, NULL, 'exited with code 1; restarting in 100 ms (attempt 1)', ?, 'bench')`,
  );
  const at = new Date().toISOString();
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(`p-${i % 200}`, 1000 + i, at);
  })();
  db.close();
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const LIVE_TIMEOUT_MS = 10_000;

/** GETs /api/health/live back to back on one keep-alive connection for `seconds`, sampling RSS. */
async function sample(port: number, pid: number, seconds: number): Promise<SsePhase> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let timeouts = 0;
  let peakRssMiB = rssMiB(pid);
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const answer = await httpGet(port, '/api/health/live', LIVE_TIMEOUT_MS, agent);
        if (answer.status !== 200) throw new Error(`/api/health/live answered ${answer.status}`);
        times.push(performance.now() - t0);
      } catch (error) {
        // A server that stops answering is the figure, not a failure of the bench.
        if ((error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw error;
        timeouts++;
        times.push(LIVE_TIMEOUT_MS);
      }
      if (times.length % 20 === 0) peakRssMiB = Math.max(peakRssMiB, rssMiB(pid));
    }
  } finally {
    agent.destroy();
  }
  peakRssMiB = Math.max(peakRssMiB, rssMiB(pid));
  times.sort((a, b) => a - b);
  return {
    liveP50Ms: percentile(times, 50),
    liveP99Ms: percentile(times, 99),
    liveMaxMs: times[times.length - 1],
    liveRequests: times.length,
    liveTimeouts: timeouts,
    peakRssMiB: Math.round(peakRssMiB * 10) / 10,
  };
}

/** A raw socket that asks for the whole history and never reads. */
function nonReader(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST, () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${HOST}:${port}\r\nLast-Event-ID: 0\r\n\r\n`);
      resolve(socket);
    });
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/**
 * Backend memory and liveness p99 while `clients` hold /api/events from id 0 over a
 * `storedEvents` history without reading; the baseline is the same server before they connect.
 * The server is pinned to CPU 0 (taskset), the bench and its clients run beside it.
 */
export async function benchSse(storedEvents = 200_000, clients = 10, sampleSec = 5): Promise<SseResult> {
  const dataDir = makeTempDir('sse');
  fill(dataDir, storedEvents);
  const port = await freePort();
  // A slow-client timeout past the sampling window: the phase measures clients that are held, not dropped.
  const env = { ...process.env, ...procguardEnv(dataDir, port), SSE_SLOW_CLIENT_TIMEOUT_MS: String((sampleSec + 5) * 1000) };
  const child = spawn('taskset', ['-c', '0', process.execPath, MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc('procguard (sse, taskset -c 0)', child, performance.now());
  const sockets: Socket[] = [];
  try {
    await waitFor200(port, '/api/health/ready', { proc, timeoutMs: 30_000 });
    await sample(port, proc.pid!, 1);
    const baseline = await sample(port, proc.pid!, sampleSec);
    for (let i = 0; i < clients; i++) sockets.push(await nonReader(port));
    const withClients = await sample(port, proc.pid!, sampleSec);
    const t0 = performance.now();
    let slotFreedAfterMs: number | null = null;
    while (performance.now() - t0 < 60_000 && !proc.exit) {
      if (proc.printed(/Dropped a slow \/api\/events client/)) {
        slotFreedAfterMs = performance.now() - t0;
        break;
      }
      await delay(50);
    }
    if (proc.exit) throw new Error(`${proc.label} exited. Output:\n${proc.output()}`);
    return { storedEvents, clients, sampleSec, baseline, withClients, slotFreedAfterMs };
  } finally {
    for (const socket of sockets) socket.destroy();
    await proc.stop(8000);
  }
}
